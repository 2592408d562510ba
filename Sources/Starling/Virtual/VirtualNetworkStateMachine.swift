import struct StarlingChannels.SplitMix64

/// The rules of a ``VirtualNetwork``, free of I/O and of time: hosts, links, listeners and
/// connections, and what happens to each message and dial. Times are the virtual time since the
/// network was made, passed in by the caller.
///
/// Invariants: every link and connection joins hosts that exist; a connection exists only while
/// its hosts are up and its link is not cut (a crash or a cut removes it and reports it reset);
/// the arrival times of one connection's messages in one direction never decrease.
struct VirtualNetworkStateMachine {
  typealias ConnectionID = UInt64
  typealias ListenerID = UInt64

  /// The end of a connection a message leaves from.
  enum Side: Sendable, Hashable {
    case dialer, listener

    /// The other end.
    var other: Side { self == .dialer ? .listener : .dialer }
  }

  /// A link's hosts, in a fixed order.
  struct LinkKey: Hashable {
    let first: String
    let second: String

    init(_ a: String, _ b: String) {
      (first, second) = a <= b ? (a, b) : (b, a)
    }
  }

  struct Link {
    var conditions: VirtualLinkConditions
    var isCut = false
    /// When each direction (by sending host) has transmitted what it was given so far.
    var busyUntil: [String: Duration] = [:]
  }

  struct Connection {
    let dialerHost: String
    let listenerHost: String
    /// When the last message each side sent arrives.
    var lastArrival: [Side: Duration] = [:]

    func host(_ side: Side) -> String { side == .dialer ? dialerHost : listenerHost }
  }

  struct ListenerKey: Hashable {
    let host: String
    let name: String
  }

  /// Why a dial or listen failed.
  enum Refusal: Error, Equatable {
    case unknownHost(String)
    case hostDown(String)
    case noLink(String, String)
    case cut(String, String)
    case noListener
    case inUse

    var reason: String {
      switch self {
      case .unknownHost(let host): "the network has no host '\(host)'"
      case .hostDown(let host): "host \(host) is down"
      case .noLink(let a, let b): "no link joins \(a) and \(b)"
      case .cut(let a, let b): "the link between \(a) and \(b) is cut"
      case .noListener: "nothing listens there"
      case .inUse: "another socket listens there"
      }
    }
  }

  /// What becomes of a message.
  enum Sending: Equatable {
    /// It arrives at this time.
    case arrives(Duration)
    /// The connection resets instead (and is gone), for this reason.
    case reset(String)
    /// The connection is gone already: the message is lost.
    case gone
  }

  /// Hosts by name: whether each is up.
  private(set) var hosts: [String: Bool] = [:]
  private(set) var links: [LinkKey: Link] = [:]
  private(set) var connections: [ConnectionID: Connection] = [:]
  private(set) var listeners: [ListenerKey: ListenerID] = [:]
  /// What happened, oldest first, when recording.
  private(set) var events: [VirtualNetworkEvent] = []
  private let recordsEvents: Bool
  private var random: SplitMix64
  private var lastID: UInt64 = 0

  init(seed: UInt64, recordsEvents: Bool = false) {
    random = SplitMix64(seed: seed)
    self.recordsEvents = recordsEvents
  }

  private mutating func record(_ event: @autoclosure () -> VirtualNetworkEvent) {
    if recordsEvents { events.append(event()) }
  }

  private mutating func makeID() -> UInt64 {
    lastID += 1
    return lastID
  }

  // MARK: Hosts and links

  /// Adds a host, up. Returns `false` if one of that name exists.
  mutating func addHost(_ name: String) -> Bool {
    guard hosts[name] == nil else { return false }
    hosts[name] = true
    return true
  }

  /// Joins two hosts with a link (or changes an existing link's conditions, keeping it cut or
  /// not). Returns `false` if a host is unknown.
  mutating func link(_ a: String, _ b: String, _ conditions: VirtualLinkConditions) -> Bool {
    guard hosts[a] != nil, hosts[b] != nil else { return false }
    links[LinkKey(a, b), default: Link(conditions: conditions)].conditions = conditions
    return true
  }

  /// Cuts the link between two hosts: returns the connections over it, now reset and gone.
  mutating func cut(_ a: String, _ b: String, now: Duration) -> [ConnectionID] {
    guard links[LinkKey(a, b)] != nil else { return [] }
    links[LinkKey(a, b)]?.isCut = true
    let reason = "the link between \(a) and \(b) was cut"
    return removeConnections(reason: reason, now: now) {
      LinkKey($0.dialerHost, $0.listenerHost) == LinkKey(a, b)
    }
  }

  /// Heals a cut link: dials over it succeed again.
  mutating func heal(_ a: String, _ b: String) {
    links[LinkKey(a, b)]?.isCut = false
  }

  /// Whether the link between two hosts is cut (`nil` without a link).
  func isCut(_ a: String, _ b: String) -> Bool? {
    links[LinkKey(a, b)]?.isCut
  }

  /// Crashes a host: returns its connections, now reset and gone. Its listeners stay, refusing
  /// dials until it restarts.
  mutating func crash(_ host: String, now: Duration) -> [ConnectionID] {
    guard hosts[host] == true else { return [] }
    hosts[host] = false
    return removeConnections(reason: "host \(host) crashed", now: now) {
      $0.dialerHost == host || $0.listenerHost == host
    }
  }

  /// Brings a crashed host back up.
  mutating func restart(_ host: String) {
    if hosts[host] == false { hosts[host] = true }
  }

  private mutating func removeConnections(
    reason: String, now: Duration, where matches: (Connection) -> Bool
  ) -> [ConnectionID] {
    let gone = connections.filter { matches($0.value) }.keys.sorted()
    for id in gone {
      connections[id] = nil
      record(.reset(connection: id, reason: reason, at: now))
    }
    return gone
  }

  // MARK: Listeners and connections

  /// Registers a listener for `name` on `host`.
  mutating func listen(host: String, name: String) -> Result<ListenerID, Refusal> {
    guard let up = hosts[host] else { return .failure(.unknownHost(host)) }
    guard up else { return .failure(.hostDown(host)) }
    let key = ListenerKey(host: host, name: name)
    guard listeners[key] == nil else { return .failure(.inUse) }
    let id = makeID()
    listeners[key] = id
    return .success(id)
  }

  /// Removes a listener; its connections stay until closed.
  mutating func unlisten(_ id: ListenerID) {
    listeners = listeners.filter { $0.value != id }
  }

  /// Dials `name` on host `to` from host `from`: a new connection and the listener it reaches,
  /// or why not.
  mutating func connect(
    from: String, to: String, name: String, now: Duration
  ) -> Result<(ConnectionID, ListenerID), Refusal> {
    let result = connection(from: from, to: to, name: name)
    switch result {
    case .success(let (id, _)):
      connections[id] = Connection(dialerHost: from, listenerHost: to)
      record(.connected(connection: id, from: from, to: to, at: now))
    case .failure(let refusal):
      record(.refused(from: from, to: to, reason: refusal.reason, at: now))
    }
    return result
  }

  private mutating func connection(
    from: String, to: String, name: String
  ) -> Result<(ConnectionID, ListenerID), Refusal> {
    guard let fromUp = hosts[from] else { return .failure(.unknownHost(from)) }
    guard let toUp = hosts[to] else { return .failure(.unknownHost(to)) }
    guard fromUp else { return .failure(.hostDown(from)) }
    guard toUp else { return .failure(.hostDown(to)) }
    if from != to {
      guard let link = links[LinkKey(from, to)] else { return .failure(.noLink(from, to)) }
      guard !link.isCut else { return .failure(.cut(from, to)) }
    }
    guard let listener = listeners[ListenerKey(host: to, name: name)] else {
      return .failure(.noListener)
    }
    return .success((makeID(), listener))
  }

  /// Forgets a connection both ends have closed.
  mutating func close(_ id: ConnectionID) {
    connections[id] = nil
  }

  /// Whether a connection is still open.
  func isOpen(_ id: ConnectionID) -> Bool {
    connections[id] != nil
  }

  /// A message of `bytes` bytes leaves `side` of connection `id` at `now`: when it arrives, or
  /// whether the link resets the connection instead.
  mutating func send(_ id: ConnectionID, from side: Side, bytes: Int, now: Duration) -> Sending {
    guard var connection = connections[id] else { return .gone }
    let from = connection.host(side)
    let to = connection.host(side.other)
    var arrival = now
    if from != to, var link = links[LinkKey(from, to)] {
      let conditions = link.conditions
      if conditions.resetProbability > 0, random.nextUnit() < conditions.resetProbability {
        connections[id] = nil
        let reason = "the link between \(from) and \(to) reset the connection"
        record(.reset(connection: id, reason: reason, at: now))
        return .reset(reason)
      }
      if let rate = conditions.bytesPerSecond {
        let start = max(now, link.busyUntil[from] ?? .zero)
        let transmitted = start + Self.transmission(bytes: bytes, rate: rate)
        link.busyUntil[from] = transmitted
        links[LinkKey(from, to)] = link
        arrival = transmitted
      }
      arrival += conditions.latency + random.nextDuration(upTo: conditions.jitter)
    }
    arrival = max(arrival, connection.lastArrival[side] ?? .zero)
    connection.lastArrival[side] = arrival
    connections[id] = connection
    record(.message(connection: id, from: from, to: to, bytes: bytes, sent: now, arrives: arrival))
    return .arrives(arrival)
  }

  /// When the close of `side` reaches the other end: after its last message, and no sooner
  /// than the link's latency. Draws nothing from the generator.
  func closeArrival(_ id: ConnectionID, from side: Side, now: Duration) -> Duration {
    guard let connection = connections[id] else { return now }
    let from = connection.host(side)
    let to = connection.host(side.other)
    let latency = from == to ? .zero : links[LinkKey(from, to)]?.conditions.latency ?? .zero
    return max(now + latency, connection.lastArrival[side] ?? .zero)
  }

  /// The time `bytes` bytes take at `rate` bytes a second.
  static func transmission(bytes: Int, rate: Int) -> Duration {
    let (seconds, remainder) = bytes.quotientAndRemainder(dividingBy: rate)
    return .seconds(seconds) + .nanoseconds(Int64(remainder) * 1_000_000_000 / Int64(rate))
  }
}
