import Starling

extension SocketOptions {
  /// Options whose dialers redial 10 ms after losing their connection (not the default 1 s), for
  /// tests that cut or crash a connection and wait for it to come back.
  static var fastRedial: SocketOptions {
    var options = SocketOptions()
    options.reconnectMinimum = .milliseconds(10)
    return options
  }
}
