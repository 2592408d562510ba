import Logging
import NIOCore
import NIOWebSocket

/// One WebSocket connection on its event loop, behind NIO's frame encoder and decoder: runs
/// each frame through the ``WebSocketStateMachine`` and carries out what it says, queues
/// whole messages for ``WebSocket/messages`` (pausing reads while they are not taken), sends
/// the program's messages, answers pings, sends keep-alive pings, and closes.
final class WebSocketHandler: ChannelDuplexHandler {
  typealias InboundIn = WebSocketFrame
  typealias OutboundIn = WebSocketFrame
  typealias OutboundOut = WebSocketFrame

  private var machine: WebSocketStateMachine
  private let core: WebSocketCore
  private let configuration: WebSocket.Configuration
  private var context: ChannelHandlerContext?
  private var peer = "a peer"
  private var readPaused = false
  private var readPending = false
  private var pingTimer: RepeatedTask?
  private var awaitingPong = false
  /// Closes the connection if the ping sent last is not answered within ``pongTimeout``.
  private var pongDeadline: Scheduled<Void>?
  private var closeTimer: Scheduled<Void>?

  init(role: WebSocketStateMachine.Role, core: WebSocketCore, configuration: WebSocket.Configuration) {
    machine = WebSocketStateMachine(role: role, maxMessageSize: configuration.maxMessageSize)
    self.core = core
    self.configuration = configuration
    logger = configuration.logger ?? Logger(label: "starling.websocket")
  }

  private let logger: Logger

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
    if let address = context.channel.remoteAddress { peer = HTTPServerCore.describe(address) }
    if let interval = configuration.pingInterval {
      let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
      pingTimer = context.eventLoop.scheduleRepeatedTask(
        initialDelay: TimeAmount(interval), delay: TimeAmount(interval)
      ) { _ in loopBound.value.keepAlive() }
    }
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    stopTimers()
    self.context = nil
  }

  // MARK: Frames in

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    if frame.opcode == .pong {
      awaitingPong = false
      pongDeadline?.cancel()
      pongDeadline = nil
    }
    act(on: machine.received(frame), context: context)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let error = error as? NIOWebSocketError {
      act(on: machine.decoderFailed(error), context: context)
    } else {
      logger.debug("the WebSocket from \(peer) failed: \(error)")
      context.close(promise: nil)
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    machine.connectionClosed()
    let code = machine.closeCode ?? .abnormalClosure
    core.closing(code, reason: machine.closeReason, ending: code == .abnormalClosure ? .connectionLost : nil)
    if code == .abnormalClosure {
      logger.debug("the WebSocket from \(peer) was lost without a close frame")
    }
    core.inbox.finish(machine.ending)
    stopTimers()
    context.fireChannelInactive()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if event is ChannelShouldQuiesceEvent {
      close(.goingAway, reason: "the server is stopping")
    } else {
      context.fireUserInboundEventTriggered(event)
    }
  }

  private func act(on action: WebSocketStateMachine.Action, context: ChannelHandlerContext) {
    switch action {
    case .none:
      break
    case .deliver(let message):
      if core.inbox.push(message) { readPaused = true }
    case .pong(let data):
      write(.pong, data, context: context, promise: nil)
      context.flush()
    case .echoClose(let code):
      core.closing(code ?? .noStatusReceived, reason: machine.closeReason, ending: nil)
      var data = ByteBuffer()
      if let code { data.writeInteger(code.rawValue) }
      closeAfter(writing: data, context: context)
    case .closeConnection:
      context.close(promise: nil)
    case .fail(let code, let reason):
      logger.warning("closed the WebSocket from \(peer) with \(code): \(reason)")
      core.closing(code, reason: reason, ending: .closed(code: code, reason: reason))
      closeAfter(writing: Self.closePayload(code, reason: reason), context: context)
    }
  }

  /// Sends a close frame with `payload`, then closes the connection.
  private func closeAfter(writing payload: ByteBuffer, context: ChannelHandlerContext) {
    let promise = context.eventLoop.makePromise(of: Void.self)
    write(.connectionClose, payload, context: context, promise: promise)
    context.flush()
    let channel = context.channel
    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
  }

  // MARK: Reading and backpressure

  func read(context: ChannelHandlerContext) {
    if readPaused {
      readPending = true
    } else {
      context.read()
    }
  }

  /// The program took the queued messages back under the low water mark.
  func resumeReading() {
    readPaused = false
    guard readPending, let context else { return }
    readPending = false
    context.read()
  }

  // MARK: Frames out

  /// Sends a message from the program.
  func send(_ opcode: WebSocketOpcode, _ data: ByteBuffer, promise: EventLoopPromise<Void>?) {
    guard let context, machine.closing == .open else {
      promise?.fail(core.ending ?? .connectionLost)
      return
    }
    write(opcode, data, context: context, promise: promise)
    context.flush()
  }

  /// Begins the closing handshake (once): a close frame now, the connection dropped if the
  /// peer has not answered within the close timeout.
  func close(_ code: WebSocket.CloseCode, reason: String) {
    guard let context, machine.closeSent(code, reason: reason) else { return }
    core.closing(code, reason: reason, ending: nil)
    write(.connectionClose, Self.closePayload(code, reason: reason), context: context, promise: nil)
    context.flush()
    let channel = context.channel
    closeTimer = context.eventLoop.scheduleTask(in: TimeAmount(configuration.closeTimeout)) {
      channel.close(promise: nil)
    }
  }

  private func keepAlive() {
    guard let context, machine.closing == .open else { return }
    if awaitingPong {
      // With a pong timeout of its own, the ping's deadline decides.
      if configuration.pongTimeout == nil {
        closeUnanswered(within: configuration.pingInterval, context: context)
      }
      return
    }
    awaitingPong = true
    write(.ping, ByteBuffer(), context: context, promise: nil)
    context.flush()
    if let timeout = configuration.pongTimeout {
      let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
      pongDeadline = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
        let handler = loopBound.value
        guard handler.awaitingPong, let context = handler.context, handler.machine.closing == .open else {
          return
        }
        handler.closeUnanswered(within: timeout, context: context)
      }
    }
  }

  /// Closes the connection whose peer did not answer a keep-alive ping `within` this long.
  private func closeUnanswered(within timeout: Duration?, context: ChannelHandlerContext) {
    logger.warning(
      "closed the WebSocket from \(peer): no answer to a keep-alive ping within \(timeout.map { "\($0)" } ?? "")"
    )
    machine.connectionClosed()
    core.closing(.goingAway, reason: "no answer to a keep-alive ping", ending: .connectionLost)
    context.close(promise: nil)
  }

  private func write(
    _ opcode: WebSocketOpcode, _ data: ByteBuffer, context: ChannelHandlerContext,
    promise: EventLoopPromise<Void>?
  ) {
    let frame = WebSocketFrame(
      fin: true, opcode: opcode, maskKey: machine.role == .client ? .random() : nil, data: data)
    context.write(wrapOutboundOut(frame), promise: promise)
  }

  private func stopTimers() {
    pingTimer?.cancel()
    pingTimer = nil
    pongDeadline?.cancel()
    pongDeadline = nil
    closeTimer?.cancel()
    closeTimer = nil
  }

  /// A close frame's payload: the code, then the reason cut to fit the 125-byte limit of a
  /// control frame (at a character boundary).
  static func closePayload(_ code: WebSocket.CloseCode, reason: String) -> ByteBuffer {
    var data = ByteBuffer()
    data.writeInteger(code.rawValue)
    var cut = Substring(reason)
    while cut.utf8.count > 123 { cut = cut.dropLast() }
    data.writeString(String(cut))
    return data
  }
}
