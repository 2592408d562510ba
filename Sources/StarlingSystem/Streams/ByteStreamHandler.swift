import NIOCore
import NIOTLS
import StarlingNetwork

/// The last handler of a ``ByteStream``'s channel: hands the bytes that arrive to the stream's
/// storage, holds back reads while the stream's buffer is full (so a peer that writes faster
/// than the stream is read is slowed down by TCP, or blocked on its pipe), and reports the end.
///
/// `ready`, when given, is completed once the stream can be used: when the connection is
/// active, or for TLS when the handshake has completed; it fails with the reason the
/// connection ended before.
final class ByteStreamHandler: ChannelDuplexHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  private let storage: ByteStreamStorage
  private var ready: EventLoopPromise<Void>?
  private let waitsForHandshake: Bool
  private var failure: (any Error)?

  init(storage: ByteStreamStorage, ready: EventLoopPromise<Void>? = nil, waitsForHandshake: Bool = false) {
    self.storage = storage
    self.ready = ready
    self.waitsForHandshake = waitsForHandshake
  }

  func handlerAdded(context: ChannelHandlerContext) {
    if context.channel.isActive, !waitsForHandshake { succeedReady() }
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    // A channel that closes before it was ever active is not told `channelInactive`.
    storage.ended(.finished)
    failReady(failure ?? SPError.connectionFailed("the connection closed before it was ready"))
  }

  func channelActive(context: ChannelHandlerContext) {
    if !waitsForHandshake { succeedReady() }
    context.fireChannelActive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var chunk = unwrapInboundIn(data)
    storage.received(&chunk)
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let event = event as? ChannelEvent, event == .inputClosed {
      storage.ended(.finished)
    } else if case .handshakeCompleted = event as? TLSUserEvent {
      succeedReady()
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    let error = Self.describe(error)
    if failure == nil { failure = error }
    storage.ended(.failed(error))
    failReady(error)
    context.close(promise: nil)
  }

  func channelInactive(context: ChannelHandlerContext) {
    storage.ended(.finished)
    failReady(failure ?? SPError.connectionFailed("the peer closed the connection before it was ready"))
    context.fireChannelInactive()
  }

  func read(context: ChannelHandlerContext) {
    if storage.readRequested() { context.read() }
  }

  private func succeedReady() {
    ready?.succeed()
    ready = nil
  }

  private func failReady(_ error: any Error) {
    ready?.fail(error)
    ready = nil
  }

  /// A read failure as the stream reports it: TLS errors (already ``SPError``s naming the
  /// cause) as they are, anything else as ``StreamError/ioFailed(_:)``.
  static func describe(_ error: any Error) -> any Error {
    switch error {
    case is SPError, is StreamError: error
    case let error as IOError: StreamError.ioFailed(error.description)
    default: StreamError.ioFailed("\(error)")
    }
  }
}
