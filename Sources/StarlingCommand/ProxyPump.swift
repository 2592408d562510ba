import NIOCore

/// One direction of a proxied connection: reads from its channel (the source), asks the
/// ``ProxyShaper`` when to pass each slice on, and writes it to the other channel (the
/// destination) at that moment, in order.
///
/// Both channels live on one event loop, and so does everything here. The pump reads only
/// while fewer than ``ProxyShaper/Settings/highWater`` bytes are waiting or being written
/// (the channel does not read by itself), so a slow link or a slow receiver holds the sender
/// back through TCP instead of filling memory.
final class ProxyPump: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer

  /// Which way the bytes go.
  enum Direction: Sendable {
    /// From the client that connected to the proxy to the server it forwards to.
    case up
    /// From the server back to the client.
    case down
  }

  /// What the pump tells its connection.
  enum Event {
    /// The source ended (closed, or its peer's end of input) and every byte read from it was
    /// written on.
    case finished(Direction)
    /// Reading or writing failed.
    case failed(Direction, any Error)
  }

  let direction: Direction
  private var shaper: ProxyShaper
  private let origin: NIODeadline
  private let destination: any Channel
  private let highWater: Int
  private let report: (Event) -> Void
  private var context: ChannelHandlerContext?
  /// Slices read and not yet due, in order, with the moment each is due.
  private var queue = CircularBuffer<(bytes: ByteBuffer, due: NIODeadline)>()
  private var timer: Scheduled<Void>?
  /// Bytes read and not yet written to the destination's socket (queued or being written).
  private var held = 0
  private var readRequested = false
  private var ended = false
  private var done = false
  /// Bytes written to the destination's socket.
  private(set) var delivered = 0

  /// A pump from the channel it is added to, to `destination` (on the same event loop).
  init(
    _ direction: Direction, shaper: ProxyShaper, origin: NIODeadline, destination: any Channel,
    report: @escaping (Event) -> Void
  ) {
    self.direction = direction
    self.shaper = shaper
    self.origin = origin
    self.destination = destination
    self.highWater = shaper.settings.highWater
    self.report = report
  }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
  }

  /// The source closed: no more reads. Slices still queued go on at their times; the
  /// connection ends when they are written (or ``stop()`` drops them).
  func handlerRemoved(context: ChannelHandlerContext) {
    self.context = nil
  }

  /// Starts reading.
  func start() {
    readIfRoom()
  }

  /// Stops: the slices still queued are dropped, and nothing more is reported.
  func stop() {
    done = true
    timer?.cancel()
    timer = nil
    queue.removeAll()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var buffer = unwrapInboundIn(data)
    let now = NIODeadline.now()
    held += buffer.readableBytes
    let elapsed = Duration.nanoseconds(Int64(now.uptimeNanoseconds) - Int64(origin.uptimeNanoseconds))
    for delivery in shaper.read(buffer.readableBytes, at: elapsed) {
      let due = origin + .nanoseconds(ProxyShaper.nanoseconds(delivery.time))
      queue.append((buffer.readSlice(length: delivery.bytes)!, due))
    }
    pump(now: now)
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    readRequested = false
    readIfRoom()
  }

  func channelInactive(context: ChannelHandlerContext) {
    ended = true
    finishIfDrained()
    context.fireChannelInactive()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if case .some(ChannelEvent.inputClosed) = event as? ChannelEvent {
      ended = true
      finishIfDrained()
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    fail(error)
  }

  /// Writes every slice that is due, then waits for the next.
  private func pump(now: NIODeadline) {
    timer?.cancel()
    timer = nil
    var wrote = false
    while let head = queue.first, head.due <= now {
      queue.removeFirst()
      let count = head.bytes.readableBytes
      let promise = destination.eventLoop.makePromise(of: Void.self)
      promise.futureResult.assumeIsolated().whenComplete { [self] result in
        written(count, result)
      }
      destination.write(head.bytes, promise: promise)
      wrote = true
    }
    if wrote { destination.flush() }
    if let next = queue.first {
      timer = destination.eventLoop.assumeIsolated().scheduleTask(deadline: next.due) { [self] in
        timer = nil
        pump(now: .now())
      }
    }
  }

  private func written(_ count: Int, _ result: Result<Void, any Error>) {
    held -= count
    switch result {
    case .success:
      delivered += count
      readIfRoom()
      finishIfDrained()
    case .failure(let error):
      // A destination that closed reports its own end, through its own pump.
      if destination.isActive { fail(error) }
    }
  }

  private func readIfRoom() {
    guard !readRequested, !ended, held < highWater, let context else { return }
    readRequested = true
    context.read()
  }

  private func finishIfDrained() {
    guard ended, held == 0, !done else { return }
    done = true
    report(.finished(direction))
  }

  private func fail(_ error: any Error) {
    guard !done else { return }
    done = true
    report(.failed(direction, error))
  }
}
