/// The identity of a Scalability Protocol on the wire: its number and its peer's.
///
/// Numbers are `major * 16 + minor`, sent as a big-endian `UInt16` in the connection header.
public struct SPProtocol: Sendable, Hashable, CustomStringConvertible {
  /// This protocol's number, as sent in the connection header.
  public let number: UInt16
  /// The number a peer must announce for the two to talk.
  public let peerNumber: UInt16
  /// The name nng uses, such as `req` or `pair1`; also the WebSocket subprotocol stem.
  public let name: String
  /// The peer protocol's name.
  public let peerName: String

  /// The protocol's name.
  public var description: String { name }

  /// `pair0`: one peer at a time, no header.
  public static let pair0 = SPProtocol(number: 0x10, peerNumber: 0x10, name: "pair", peerName: "pair")
  /// `pair1`: hop count header, optional polyamorous mode.
  public static let pair1 = SPProtocol(number: 0x11, peerNumber: 0x11, name: "pair1", peerName: "pair1")
  /// `pub0`.
  public static let pub0 = SPProtocol(number: 0x20, peerNumber: 0x21, name: "pub", peerName: "sub")
  /// `sub0`.
  public static let sub0 = SPProtocol(number: 0x21, peerNumber: 0x20, name: "sub", peerName: "pub")
  /// `req0`.
  public static let req0 = SPProtocol(number: 0x30, peerNumber: 0x31, name: "req", peerName: "rep")
  /// `rep0`.
  public static let rep0 = SPProtocol(number: 0x31, peerNumber: 0x30, name: "rep", peerName: "req")
  /// `push0`.
  public static let push0 = SPProtocol(number: 0x50, peerNumber: 0x51, name: "push", peerName: "pull")
  /// `pull0`.
  public static let pull0 = SPProtocol(number: 0x51, peerNumber: 0x50, name: "pull", peerName: "push")
  /// `surveyor0`.
  public static let surveyor0 = SPProtocol(
    number: 0x62, peerNumber: 0x63, name: "surveyor", peerName: "respondent")
  /// `respondent0`.
  public static let respondent0 = SPProtocol(
    number: 0x63, peerNumber: 0x62, name: "respondent", peerName: "surveyor")
  /// `bus0`.
  public static let bus0 = SPProtocol(number: 0x70, peerNumber: 0x70, name: "bus", peerName: "bus")

  /// Every protocol Starling knows.
  public static let all: [SPProtocol] = [
    pair0, pair1, pub0, sub0, req0, rep0, push0, pull0, surveyor0, respondent0, bus0,
  ]

  /// The name of a protocol number, such as `req (0x30)`, or the bare number if unknown.
  public static func name(of number: UInt16) -> String {
    let hex = "0x" + String(number, radix: 16)
    guard let known = all.first(where: { $0.number == number }) else { return "unknown (\(hex))" }
    return "\(known.name) (\(hex))"
  }
}
