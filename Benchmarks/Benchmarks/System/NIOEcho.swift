// The line echo written directly on SwiftNIO, both sides as channel handlers.

import NIOCore
import NIOPosix

final class NIOEcho: EchoFixture {
  private let serverChannel: any Channel
  private let clientChannel: any Channel
  private let client: NIOLoopBound<EchoClientHandler>
  private let pipelined: Bool
  private let batch: ByteBuffer
  private let single: ByteBuffer

  init(pipelined: Bool) async throws {
    self.pipelined = pipelined
    let group = MultiThreadedEventLoopGroup.singleton
    serverChannel = try await ServerBootstrap(group: group)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(EchoServerHandler())
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    let loop = group.next()
    clientChannel = try await ClientBootstrap(group: loop)
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(EchoClientHandler())
        }
      }
      .connect(to: serverChannel.localAddress!).get()
    // NIOLoopBound is made on the loop it is bound to.
    client = try await clientChannel.pipeline.handler(type: EchoClientHandler.self).map {
      NIOLoopBound($0, eventLoop: loop)
    }.get()
    batch = ByteBuffer(string: String(repeating: line, count: 1000))
    single = ByteBuffer(string: line)
  }

  func run(lines: Int) async throws {
    let channel = clientChannel
    let client = client
    if pipelined {
      precondition(lines == 1000, "one batch is 1,000 lines")
      let done = channel.eventLoop.makePromise(of: Void.self)
      let batch = batch
      channel.eventLoop.execute {
        client.value.expect(lines, done)
        channel.writeAndFlush(batch, promise: nil)
      }
      try await done.futureResult.get()
    } else {
      let single = single
      for _ in 0..<lines {
        let done = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
          client.value.expect(1, done)
          channel.writeAndFlush(single, promise: nil)
        }
        try await done.futureResult.get()
      }
    }
  }

  func stop() async throws {
    try await clientChannel.close()
    try await serverChannel.close()
  }
}

/// Splits what arrives into lines and writes each back; one flush per read.
final class EchoServerHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  private var pending = ByteBuffer()

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var chunk = unwrapInboundIn(data)
    pending.writeBuffer(&chunk)
    while let newline = pending.readableBytesView.firstIndex(of: 10) {
      let length = newline - pending.readableBytesView.startIndex + 1
      context.write(wrapOutboundOut(pending.readSlice(length: length)!), promise: nil)
    }
    pending.discardReadBytes()
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    context.flush()
  }
}

/// Counts the newlines of the echoes and completes a promise when the expected number came.
final class EchoClientHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer

  private var remaining = 0
  private var done: EventLoopPromise<Void>?

  func expect(_ lines: Int, _ promise: EventLoopPromise<Void>) {
    remaining = lines
    done = promise
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let chunk = unwrapInboundIn(data)
    for byte in chunk.readableBytesView where byte == 10 {
      remaining -= 1
      if remaining == 0 {
        done?.succeed()
        done = nil
      }
    }
  }
}
