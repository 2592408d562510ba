import Starling

/// What one module of a running pipeline has done, and what it waits for: the numbers an
/// admin server shows (``Pipeline/moduleStatistics``).
public struct ModuleStatistics: Sendable, Hashable {
  /// The module's name in the config.
  public var name: String
  /// The module's type (`output.push`).
  public var type: String
  /// Events the module handled: consumed without an error, or (for a module that completes
  /// events itself) sent on as done.
  public var processed: Int
  /// Events the module failed on and sent to `failure`.
  public var failed: Int
  /// The statistics of the module's SP socket, for the socket modules.
  public var socket: SocketStatistics?
  /// Why the module is not ready, such as `no peer yet on tcp://127.0.0.1:5555`: a socket
  /// output that dials and has no peer yet. `nil` when it is ready.
  public var waitingFor: String?
}
