extension WebSocket {
  /// A WebSocket close code (RFC 6455, section 7.4).
  public struct CloseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code's number.
    public let rawValue: UInt16

    /// A close code by number.
    public init(rawValue: UInt16) {
      self.rawValue = rawValue
    }

    /// 1000: the purpose of the connection is fulfilled.
    public static let normalClosure = CloseCode(rawValue: 1000)
    /// 1001: the end is going away (a server stopping, a browser leaving the page).
    public static let goingAway = CloseCode(rawValue: 1001)
    /// 1002: the peer broke the protocol (a bad frame, an unmasked client frame …).
    public static let protocolError = CloseCode(rawValue: 1002)
    /// 1003: a kind of data the end cannot take.
    public static let unsupportedData = CloseCode(rawValue: 1003)
    /// 1005: the close frame carried no code (never sent).
    public static let noStatusReceived = CloseCode(rawValue: 1005)
    /// 1006: the connection closed without a close frame (never sent).
    public static let abnormalClosure = CloseCode(rawValue: 1006)
    /// 1007: a text message that is not UTF-8.
    public static let invalidPayload = CloseCode(rawValue: 1007)
    /// 1008: a message that breaks the end's policy.
    public static let policyViolation = CloseCode(rawValue: 1008)
    /// 1009: a message larger than the end takes.
    public static let messageTooBig = CloseCode(rawValue: 1009)
    /// 1011: the server met an unexpected condition.
    public static let internalError = CloseCode(rawValue: 1011)

    /// Whether the code may travel in a close frame (RFC 6455, section 7.4: 1000–1003,
    /// 1007–1011, and 3000–4999 for libraries and applications).
    public var isSendable: Bool {
      switch rawValue {
      case 1000...1003, 1007...1011, 3000...4999: true
      default: false
      }
    }

    /// A description in words.
    public var description: String {
      let names: [UInt16: String] = [
        1000: "normal closure", 1001: "going away", 1002: "protocol error", 1003: "unsupported data",
        1005: "no status", 1006: "abnormal closure", 1007: "invalid payload", 1008: "policy violation",
        1009: "message too big", 1010: "mandatory extension", 1011: "internal error",
      ]
      return names[rawValue].map { "\(rawValue) (\($0))" } ?? "\(rawValue)"
    }
  }
}
