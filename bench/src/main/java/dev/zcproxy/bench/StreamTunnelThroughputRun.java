package dev.zcproxy.bench;

import dev.zcproxy.bench.ThroughputRun.Direction;
import dev.zcproxy.bench.ThroughputRun.Result;
import dev.zcproxy.bench.ThroughputRun.Sample;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code throughput} through an HTTP/2 or HTTP/3 proxy's CONNECT: what {@link ThroughputRun} does
 * over TCP, with each stream a CONNECT tunnel on one shared connection to the proxy, and the same
 * far ends, windows and report. The client runs on one Netty event loop: it writes DATA frames of
 * 64 KiB while the tunnel is writable (the protocol's flow control and, for QUIC, congestion
 * control decide), or counts the DATA bytes that arrive.
 */
final class StreamTunnelThroughputRun {

  /** Connects a client of one protocol on the run's event loop group. */
  @FunctionalInterface
  interface Client {
    StreamTunnels connect(EventLoopGroup group) throws IOException;
  }

  /**
   * @param transportStats the client transport's counters at the end of the run ({@link
   *     StreamTunnels#transportStats()})
   */
  record Outcome(Result result, String transportStats) {
    String report() {
      return transportStats.isEmpty() ? result.report() : result.report() + " " + transportStats;
    }
  }

  private static final int CHUNK_BYTES = 64 * 1024;

  /** Chunks written in one turn of the event loop before it reads (ACKs, window updates). */
  private static final int CHUNKS_PER_TURN = 16;

  private StreamTunnelThroughputRun() {}

  static Outcome run(
      Client client,
      Direction direction,
      int streams,
      Duration warmup,
      Duration duration,
      int farEndPort)
      throws IOException, InterruptedException {
    EventLoopGroup group = ClientTransport.newGroup();
    try (StreamTunnels tunnels = client.connect(group)) {
      Result result =
          switch (direction) {
            case UPLOAD -> upload(tunnels, streams, warmup, duration, farEndPort);
            case DOWNLOAD -> download(tunnels, streams, warmup, duration, farEndPort);
          };
      return new Outcome(result, tunnels.transportStats());
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private static Result upload(
      StreamTunnels tunnels, int streams, Duration warmup, Duration duration, int farEndPort)
      throws IOException, InterruptedException {
    ByteBuf chunk = payload();
    Failures failures = new Failures();
    try (SinkServer sink = SinkServer.start(farEndPort)) {
      List<Uploader> uploaders = new ArrayList<>(streams);
      for (int i = 0; i < streams; i++) {
        Uploader uploader = new Uploader(tunnels, chunk, failures);
        tunnels.connect(sink.address(), uploader);
        uploaders.add(uploader);
      }
      long measureFrom = System.nanoTime() + warmup.toNanos();
      long end = measureFrom + duration.toNanos();
      uploaders.forEach(uploader -> uploader.start(end));
      Sample measured = ThroughputRun.measure(sink::received, measureFrom, end);
      for (Uploader uploader : uploaders) {
        await(uploader.finished, "the last DATA frames of a stream");
      }
      ThroughputRun.awaitDrained(sink, streams);
      failures.check();
      return new Result(
          Direction.UPLOAD, streams, measured.bytes(), measured.nanos(), sink.received());
    } finally {
      chunk.release();
    }
  }

  private static Result download(
      StreamTunnels tunnels, int streams, Duration warmup, Duration duration, int farEndPort)
      throws IOException, InterruptedException {
    Failures failures = new Failures();
    AtomicLong received = new AtomicLong();
    try (SourceServer source = SourceServer.start(farEndPort)) {
      List<Channel> opened = new ArrayList<>(streams);
      List<Downloader> downloaders = new ArrayList<>(streams);
      for (int i = 0; i < streams; i++) {
        Downloader downloader = new Downloader(tunnels, received, failures);
        opened.add(tunnels.connect(source.address(), downloader));
        downloaders.add(downloader);
      }
      long measureFrom = System.nanoTime() + warmup.toNanos();
      long end = measureFrom + duration.toNanos();
      Sample measured = ThroughputRun.measure(received::get, measureFrom, end);
      downloaders.forEach(Downloader::stop);
      for (Channel tunnel : opened) {
        tunnel.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
      }
      failures.check();
      return new Result(
          Direction.DOWNLOAD, streams, measured.bytes(), measured.nanos(), received.get());
    }
  }

  private static ByteBuf payload() {
    ByteBuf chunk = Unpooled.directBuffer(CHUNK_BYTES, CHUNK_BYTES);
    for (int i = 0; i < CHUNK_BYTES; i++) {
      chunk.writeByte(i * 31); // the same pattern as Payload
    }
    return chunk;
  }

  private static void await(CompletableFuture<Void> future, String what) throws IOException {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException("a stream failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("not sent after 10 s: " + what, e);
    }
  }

  /** The first thing that went wrong on any stream: it fails the run. */
  private static final class Failures {
    private final AtomicReference<String> first = new AtomicReference<>();

    void add(String failure) {
      first.compareAndSet(null, failure);
    }

    void check() throws IOException {
      String failure = first.get();
      if (failure != null) {
        throw new IOException("a stream failed: " + failure);
      }
    }
  }

  /** Writes DATA frames until the end of the run, then FIN. */
  private static final class Uploader extends ChannelInboundHandlerAdapter {
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final StreamTunnels tunnels;
    private final ByteBuf chunk;
    private final Failures failures;
    private ChannelHandlerContext ctx;
    private long endNanos;
    private boolean running;
    private ChannelFuture lastWrite;

    Uploader(StreamTunnels tunnels, ByteBuf chunk, Failures failures) {
      this.tunnels = tunnels;
      this.chunk = chunk;
      this.failures = failures;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    void start(long endNanos) {
      ctx.executor()
          .execute(
              () -> {
                this.endNanos = endNanos;
                running = true;
                ctx.executor()
                    .schedule(
                        this::finishIfDue,
                        endNanos - System.nanoTime() + 1_000_000,
                        TimeUnit.NANOSECONDS);
                pump();
              });
    }

    private void pump() {
      Channel tunnel = ctx.channel();
      for (int i = 0; i < CHUNKS_PER_TURN && running && tunnel.isWritable(); i++) {
        if (finishIfDue()) {
          return;
        }
        lastWrite = tunnel.writeAndFlush(tunnels.dataFrame(chunk.retainedDuplicate()));
      }
      if (running && tunnel.isWritable()) {
        ctx.executor().execute(this::pump); // let the loop read between turns
      }
    }

    /** Sends the FIN once the run is over; true if it is. */
    private boolean finishIfDue() {
      if (!running || System.nanoTime() < endNanos) {
        return !running;
      }
      running = false;
      tunnels.finish(ctx.channel(), lastWrite);
      if (lastWrite == null) {
        finished.complete(null);
      } else {
        lastWrite.addListener(
            written -> {
              if (written.isSuccess()) {
                finished.complete(null);
              } else {
                finished.completeExceptionally(written.cause());
              }
            });
      }
      return true;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (running && ctx.channel().isWritable()) {
        pump();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg); // the sink sends nothing
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      ReferenceCountUtil.release(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (running || !finished.isDone()) {
        failures.add("the proxy closed an upload stream before the run ended");
        running = false;
        finished.completeExceptionally(new IOException("stream closed"));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      failures.add(cause.toString());
      ctx.close();
    }
  }

  /** Counts the DATA bytes that arrive. */
  private static final class Downloader extends ChannelInboundHandlerAdapter {
    private final StreamTunnels tunnels;
    private final AtomicLong received;
    private final Failures failures;
    private volatile boolean stopped;

    Downloader(StreamTunnels tunnels, AtomicLong received, Failures failures) {
      this.tunnels = tunnels;
      this.received = received;
      this.failures = failures;
    }

    void stop() {
      stopped = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      int bytes = tunnels.dataBytes(msg);
      if (bytes > 0) {
        received.addAndGet(bytes);
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      ReferenceCountUtil.release(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!stopped) {
        failures.add("the proxy closed a download stream before the run ended");
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!stopped) {
        failures.add(cause.toString());
      }
      ctx.close();
    }
  }
}
