package dev.zcproxy.bench;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One platform thread per open stream, each running the same task and then closing its stream.
 * {@link #join()} waits for all of them and rethrows the first failure, so a proxy that drops one
 * stream of ten fails the run instead of quietly lowering its figure.
 */
final class StreamWorkers {

  @FunctionalInterface
  interface StreamTask {
    void run(SocketChannel stream) throws IOException;
  }

  private final List<Thread> threads;
  private final AtomicReference<IOException> firstFailure;

  private StreamWorkers(List<Thread> threads, AtomicReference<IOException> firstFailure) {
    this.threads = threads;
    this.firstFailure = firstFailure;
  }

  static StreamWorkers start(String name, List<SocketChannel> streams, StreamTask task) {
    AtomicReference<IOException> firstFailure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>(streams.size());
    for (int i = 0; i < streams.size(); i++) {
      SocketChannel stream = streams.get(i);
      threads.add(
          Thread.ofPlatform()
              .name(name + "-" + i)
              .start(
                  () -> {
                    try (stream) {
                      task.run(stream);
                    } catch (IOException e) {
                      firstFailure.compareAndSet(null, e);
                    }
                  }));
    }
    return new StreamWorkers(threads, firstFailure);
  }

  void join() throws IOException, InterruptedException {
    for (Thread thread : threads) {
      thread.join();
    }
    IOException failure = firstFailure.get();
    if (failure != null) {
      throw new IOException("a stream failed: " + failure.getMessage(), failure);
    }
  }
}
