import NIOCore

/// The last handler of an SP connection: turns it into a pipe of its socket.
///
/// After the handshake it attaches the pipe to the socket (which may refuse it); then it hands
/// the socket the frames of each read together (one lock for the lot), reports writability,
/// holds reads back while the socket's receive queue is full, and on close detaches the pipe,
/// with the reason if an error closed it.
final class PipeChannelHandler: ChannelDuplexHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundIn = Message
  typealias OutboundOut = Message

  private let owner: any PipeOwner
  private let transportName: String
  /// Completed when the pipe is attached, or failed with why it was not.
  private let attached: EventLoopPromise<PipeID>?
  private var pipe: NIOPipe?
  private var failure: SPError?
  private var reading = true
  private var readPending = false
  private let framing: PipeFraming
  /// The messages of the current read, handed to the socket when the read completes.
  private var arrived: [Message] = []

  init(
    owner: any PipeOwner, transportName: String, attached: EventLoopPromise<PipeID>?,
    framing: PipeFraming = .messages
  ) {
    self.owner = owner
    self.transportName = transportName
    self.attached = attached
    self.framing = framing
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    guard event is SPHandshakeCompleted else {
      context.fireUserInboundEventTriggered(event)
      return
    }
    // A WebSocket upgrade completes in tasks the event loop runs after the read that brought
    // the request; a peer whose close came in that same read is gone by then. Its close event
    // has passed this handler's place, so a pipe made now would never be detached.
    guard context.channel.isActive else { return }
    let pipe = NIOPipe(
      id: .next(), channel: context.channel, transportName: transportName, owner: owner,
      sendWindow: owner.options.sendWindow, framing: framing)
    guard owner.attach(pipe) else {
      fail(context: context, .badState("the socket refused the connection"))
      return
    }
    self.pipe = pipe
    attached?.succeed(pipe.id)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard pipe != nil else { return }
    arrived.append(Message(body: unwrapInboundIn(data)))
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    deliverArrived()
    context.fireChannelReadComplete()
  }

  /// Hands the socket the messages read so far.
  private func deliverArrived() {
    guard let pipe, !arrived.isEmpty else { return }
    owner.received(arrived, on: pipe.id)
    // The storage is kept for the next read, unless a read of many tiny frames grew it: a
    // peer's burst must not hold memory in every idle pipe.
    arrived.removeAll(keepingCapacity: arrived.count <= Self.keptCapacity)
  }

  /// The most messages whose storage a pipe keeps between reads.
  static let keptCapacity = 256

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    pipe?.channelWritabilityChanged()
    context.fireChannelWritabilityChanged()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    deliverArrived()  // the frames before the bad one are good
    fail(context: context, SPError.describing(error))
  }

  func channelInactive(context: ChannelHandlerContext) {
    deliverArrived()
    if let pipe {
      owner.detach(pipe.id, reason: failure)
      self.pipe = nil
    } else if let failure {
      owner.connectionFailed(failure, peer: context.channel.remoteAddress.map { "\($0)" } ?? transportName)
    }
    attached?.fail(failure ?? SPError.connectionFailed("the peer closed the connection during the handshake"))
    context.fireChannelInactive()
  }

  func read(context: ChannelHandlerContext) {
    if reading {
      context.read()
    } else {
      readPending = true
    }
  }

  /// Holds back or releases reads. Runs on the event loop.
  func setReading(_ reading: Bool) {
    self.reading = reading
    if reading, readPending, let context = contextForResume {
      readPending = false
      context.read()
    }
  }

  private var contextForResume: ChannelHandlerContext?

  func handlerAdded(context: ChannelHandlerContext) {
    contextForResume = context
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    contextForResume = nil
  }

  /// Records why the connection fails and closes it. A protocol error that follows an I/O
  /// error (a peer that resets the connection in the middle of a frame) is the better reason.
  private func fail(context: ChannelHandlerContext, _ error: SPError) {
    switch (failure, error) {
    case (nil, _), (.connectionFailed?, .protocolError), (.connectionFailed?, .messageTooLarge):
      failure = error
    default:
      break
    }
    context.close(promise: nil)
  }
}
