import StarlingNetwork

/// Where `starling run` serves its admin HTTP server (`/metrics`, `/ping`, `/ready`,
/// `/status` and the status page): the config's `http:` section, such as
/// `http: {address: 127.0.0.1:4195}`. `starling run --http HOST:PORT` wins over it.
public struct AdminServerConfig: Sendable, Hashable {
  /// `HOST:PORT` (port 0 picks a free port; a host of `0.0.0.0` serves every interface).
  public var address: String
  /// Where the config gives it.
  public var location: SourceLocation

  /// An address as given, and where.
  public init(
    address: String, location: SourceLocation = SourceLocation(file: "<config>", line: 0, column: 0)
  ) {
    self.address = address
    self.location = location
  }

  /// Why `text` is not a `HOST:PORT` the admin server can listen on; `nil` if it is.
  public static func problem(with text: String) -> String? {
    do {
      let address = try Address("tcp://\(text)")
      return address.host == nil
        ? "give a host, such as 127.0.0.1:\(address.port) (0.0.0.0 for every interface)" : nil
    } catch {
      return "'\(text)' is not HOST:PORT (such as 127.0.0.1:4195): \(error)"
    }
  }
}
