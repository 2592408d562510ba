import NIOCore
import NIOSSL

/// Turns NIOSSL's errors into ``SPError``s that say what went wrong (bad certificate, unknown
/// authority, name mismatch, a peer that does not speak TLS), and drops the "unclean shutdown"
/// that a peer closing without a TLS close notification causes (nng closes that way).
final class TLSErrorHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  private let diagnosis: TLSDiagnosis
  private let serverName: String?

  init(diagnosis: TLSDiagnosis, serverName: String?) {
    self.diagnosis = diagnosis
    self.serverName = serverName
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let error = error as? NIOSSLError, error == .uncleanShutdown {
      context.close(promise: nil)
      return
    }
    context.fireErrorCaught(translate(error, peer: context.channel.remoteAddress))
  }

  /// The error as an ``SPError`` if it comes from TLS; other errors unchanged.
  func translate(_ error: any Error, peer: SocketAddress?) -> any Error {
    SPError.translatingTLS(error, serverName: serverName ?? peer?.ipAddress, diagnosis: diagnosis.failure)
  }
}
