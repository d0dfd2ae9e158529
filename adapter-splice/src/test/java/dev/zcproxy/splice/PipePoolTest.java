package dev.zcproxy.splice;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Taking and giving back real pipes, within a budget. */
class PipePoolTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SpliceMetrics metrics = new SpliceMetrics(registry);
  private final List<PipePool> pools = new ArrayList<>();
  private final long openBefore = Pipe.openPipes();

  private PipePool pool(PipePool.Budget budget) {
    PipePool pool = new PipePool(budget);
    pools.add(pool);
    return pool;
  }

  @AfterEach
  void closePools() {
    pools.forEach(PipePool::close);
    assertThat(Pipe.openPipes()).as("pipes left open").isEqualTo(openBefore);
  }

  private double shortages(String reason) {
    return registry.get("zcproxy.splice.pipe.shortages").tag("reason", reason).counter().count();
  }

  @Test
  void a_pipe_given_back_is_taken_again_without_opening_another() {
    PipePool.Budget budget = new PipePool.Budget(64 * 1024, 4, metrics);
    PipePool pool = pool(budget);

    Pipe first = pool.take();
    pool.give(first);
    Pipe again = pool.take();

    assertThat(again).isSameAs(first);
    assertThat(budget.pipesOpen()).isEqualTo(1);
    assertThat(PipePool.inUse()).isEqualTo(1);
    pool.give(again);
    assertThat(PipePool.inUse()).isZero();
    assertThat(pool.ready()).isEqualTo(1);
  }

  @Test
  void the_budget_bounds_every_pool_together_and_a_full_budget_says_null() {
    PipePool.Budget budget = new PipePool.Budget(64 * 1024, 2, metrics);
    PipePool one = pool(budget);
    PipePool other = pool(budget);

    Pipe a = one.take();
    Pipe b = other.take();

    assertThat(one.take()).as("two pipes open, the budget is spent").isNull();
    assertThat(other.take()).isNull();
    assertThat(shortages("pool_full")).isEqualTo(2);
    one.give(a);
    assertThat(other.take()).as("a ready pipe belongs to its pool").isNull();
    assertThat(one.take()).isSameAs(a);
    one.give(a);
    other.give(b);
  }

  @Test
  void a_pool_of_zero_never_opens_a_pipe() {
    PipePool pool = pool(new PipePool.Budget(64 * 1024, 0, metrics));

    assertThat(pool.take()).isNull();
    assertThat(pool.take()).isNull();
    assertThat(Pipe.openPipes()).isEqualTo(openBefore);
    assertThat(shortages("pool_full")).isEqualTo(2);
  }

  @Test
  void only_a_few_empty_pipes_stay_ready_and_the_rest_are_closed() {
    PipePool.Budget budget = new PipePool.Budget(64 * 1024, 100, metrics);
    PipePool pool = pool(budget);
    List<Pipe> taken = new ArrayList<>();
    for (int i = 0; i < PipePool.KEEP_READY + 5; i++) {
      taken.add(pool.take());
    }

    taken.forEach(pool::give);

    assertThat(pool.ready()).isEqualTo(PipePool.KEEP_READY);
    assertThat(budget.pipesOpen()).isEqualTo(PipePool.KEEP_READY);
  }

  @Test
  void a_pipe_given_back_with_bytes_in_it_is_closed_not_kept() {
    PipePool.Budget budget = new PipePool.Budget(64 * 1024, 4, metrics);
    PipePool pool = pool(budget);
    Pipe pipe = pool.take();
    pipe.filled(10); // as a torn-down tunnel leaves it

    pool.give(pipe);

    assertThat(pool.ready()).isZero();
    assertThat(budget.pipesOpen()).isZero();
  }

  @Test
  void a_closed_pool_closes_its_ready_pipes_and_every_pipe_given_back_later() {
    PipePool.Budget budget = new PipePool.Budget(64 * 1024, 4, metrics);
    PipePool pool = pool(budget);
    Pipe held = pool.take();
    pool.give(pool.take());

    pool.close();
    pool.give(held);

    assertThat(budget.pipesOpen()).isZero();
    assertThat(pool.take()).as("a closed pool opens nothing").isNull();
  }
}
