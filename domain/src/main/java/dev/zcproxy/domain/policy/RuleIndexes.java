package dev.zcproxy.domain.policy;

import java.util.Arrays;

/**
 * An ascending list of rule indexes, grown while a snapshot compiles. Rules are compiled in order,
 * so appending keeps the list sorted, and a rule that names the same destination twice is kept
 * once.
 */
final class RuleIndexes {

  static final int[] NONE = new int[0];

  private int[] indexes = new int[2];
  private int size;

  void add(int index) {
    if (size > 0 && indexes[size - 1] == index) {
      return;
    }
    if (size > 0 && indexes[size - 1] > index) {
      throw new IllegalStateException("rules must be added in order");
    }
    if (size == indexes.length) {
      indexes = Arrays.copyOf(indexes, size * 2);
    }
    indexes[size++] = index;
  }

  int[] toArray() {
    return size == 0 ? NONE : Arrays.copyOf(indexes, size);
  }
}
