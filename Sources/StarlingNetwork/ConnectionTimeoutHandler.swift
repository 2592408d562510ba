import NIOCore

/// Closes a server's connection when what it waits for takes too long: the first
/// handler of the connection's pipeline, so it sees every byte that arrives and can write
/// bytes of its own before closing (an HTTP 408).
///
/// The protocol handlers behind it report their progress as ``ConnectionProgress`` outbound
/// user events; ``ConnectionDeadlineStateMachine`` keeps the waits. One timer runs at a time,
/// set for the earliest deadline: when it fires early (the wait has moved on) it is set
/// again, so a busy connection costs no timer per message.
package final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
  package typealias InboundIn = ByteBuffer
  package typealias InboundOut = ByteBuffer
  package typealias OutboundIn = ByteBuffer
  package typealias OutboundOut = ByteBuffer

  private let timeouts: ConnectionTimeouts
  private let expired: (ConnectionDeadlineStateMachine.Wait) -> [UInt8]
  private var machine: ConnectionDeadlineStateMachine?
  private var timer: Scheduled<Void>?
  private var timerDeadline: NIODeadline?

  /// - Parameter expired: called when a wait (never `.answer`) runs out, to log it; returns
  ///   the bytes to write before the connection closes (none for a silent close).
  package init(
    timeouts: ConnectionTimeouts, expired: @escaping (ConnectionDeadlineStateMachine.Wait) -> [UInt8]
  ) {
    self.timeouts = timeouts
    self.expired = expired
  }

  package func handlerAdded(context: ChannelHandlerContext) {
    if context.channel.isActive { start(context: context) }
  }

  package func channelActive(context: ChannelHandlerContext) {
    start(context: context)
    context.fireChannelActive()
  }

  package func channelInactive(context: ChannelHandlerContext) {
    stop()
    context.fireChannelInactive()
  }

  package func handlerRemoved(context: ChannelHandlerContext) {
    stop()
  }

  package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    if machine?.wait == .idle || machine?.wait == .answer {
      machine?.bytesReceived(at: context.eventLoop.now)
      arm(context: context)
    }
    context.fireChannelRead(data)
  }

  package func channelReadComplete(context: ChannelHandlerContext) {
    // Reading is paused until the next read() passes here; with nothing holding it back,
    // that is at once.
    machine?.readingPaused(at: context.eventLoop.now)
    context.fireChannelReadComplete()
  }

  package func read(context: ChannelHandlerContext) {
    machine?.readingResumed(at: context.eventLoop.now)
    arm(context: context)
    context.read()
  }

  package func triggerUserOutboundEvent(
    context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?
  ) {
    guard let progress = event as? ConnectionProgress else {
      context.triggerUserOutboundEvent(event, promise: promise)
      return
    }
    machine?.progress(progress, at: context.eventLoop.now)
    arm(context: context)
    promise?.succeed()
  }

  // MARK: The timer

  private func start(context: ChannelHandlerContext) {
    guard machine == nil else { return }
    machine = ConnectionDeadlineStateMachine(timeouts: timeouts, now: context.eventLoop.now)
    arm(context: context)
  }

  private func stop() {
    timer?.cancel()
    timer = nil
    timerDeadline = nil
    machine = nil
  }

  /// Makes sure a timer fires by the current deadline (a later one is moved earlier; an
  /// earlier one is left to fire and set itself again).
  private func arm(context: ChannelHandlerContext) {
    guard let deadline = machine?.deadline else { return }
    if let timerDeadline, timerDeadline <= deadline { return }
    timer?.cancel()
    timerDeadline = deadline
    timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
      self.fire(context: context)
    }
  }

  private func fire(context: ChannelHandlerContext) {
    timer = nil
    timerDeadline = nil
    guard let machine else { return }
    guard let wait = machine.expired(at: context.eventLoop.now) else {
      arm(context: context)
      return
    }
    stop()
    let farewell = expired(wait)
    guard !farewell.isEmpty else {
      context.close(promise: nil)
      return
    }
    var bytes = context.channel.allocator.buffer(capacity: farewell.count)
    bytes.writeBytes(farewell)
    context.writeAndFlush(wrapOutboundOut(bytes)).assumeIsolated().whenComplete { _ in
      context.close(promise: nil)
    }
  }
}
