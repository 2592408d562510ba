/// The calls an ``RPCPeer`` has made and waits on, without locks or I/O: call IDs out, replies
/// in, and which waiter to resume with what.
///
/// A call goes `start` → `wait` → `finish`. Its reply may come before the caller waits (it is
/// kept), while it waits (the waiter is resumed), or after it finished (it is stale and
/// dropped). A timeout or a cancellation fails a call in any of these states but the answered
/// one; closing fails every call, and every call started after.
///
/// Invariants: an ID is in `slots` from `start` to `finish`; IDs in `slots` are unique, so a
/// reply reaches at most one call; a slot holds a waiter only in `.waiting`.
struct RPCPeerStateMachine<Waiter> {
  private enum Slot {
    /// Started; neither its reply nor its waiter is here yet.
    case pending
    /// The caller waits.
    case waiting(Waiter)
    /// The reply came before the caller waited.
    case answered(ByteBuffer)
    /// Timed out, cancelled or closed before the caller waited.
    case failed(any Error)
  }

  /// What a caller that comes to wait finds.
  enum Wait {
    /// Nothing yet: the waiter is kept until the reply, a failure or the close.
    case suspended
    /// The reply is here.
    case answered(ByteBuffer)
    /// The call failed.
    case failed(any Error)
  }

  /// What a reply that comes in does.
  enum Arrival {
    /// Resume this waiter with the reply.
    case resume(Waiter, ByteBuffer)
    /// Kept for the caller, who has not waited yet.
    case kept
    /// No call waits for it (finished, timed out, or never made): dropped.
    case stale
  }

  private var slots: [UInt32: Slot] = [:]
  private var nextID: UInt32
  /// Whether ``close()`` was called.
  private(set) var isClosed = false

  /// A machine whose first call gets `firstID` (tests start near the end of the range).
  init(firstID: UInt32 = 1) {
    nextID = firstID
  }

  /// The number of calls between ``start()`` and ``finish(_:)``.
  var outstanding: Int { slots.count }

  /// Starts a call: its ID (never one in use, never 0), or `nil` once closed.
  mutating func start() -> UInt32? {
    guard !isClosed else { return nil }
    while slots[nextID] != nil || nextID == 0 { nextID &+= 1 }
    let id = nextID
    nextID &+= 1
    slots[id] = .pending
    return id
  }

  /// The caller of `id` comes to wait with `waiter`.
  mutating func wait(_ id: UInt32, _ waiter: Waiter) -> Wait {
    switch slots[id] {
    case .pending:
      slots[id] = .waiting(waiter)
      return .suspended
    case .answered(let reply):
      return .answered(reply)
    case .failed(let error):
      return .failed(error)
    case .waiting, nil:
      return .failed(SPError.badState("RPC call \(id) is not waiting to be answered"))
    }
  }

  /// The reply to call `id` came.
  mutating func received(_ id: UInt32, _ reply: ByteBuffer) -> Arrival {
    switch slots[id] {
    case .pending:
      slots[id] = .answered(reply)
      return .kept
    case .waiting(let waiter):
      slots[id] = .answered(reply)
      return .resume(waiter, reply)
    case .answered, .failed, nil:
      return .stale
    }
  }

  /// Fails call `id` with `error` (its timeout, its cancellation), unless its reply is already
  /// here. Returns the waiter to resume with the error.
  mutating func fail(_ id: UInt32, _ error: any Error) -> Waiter? {
    switch slots[id] {
    case .pending:
      slots[id] = .failed(error)
      return nil
    case .waiting(let waiter):
      slots[id] = .failed(error)
      return waiter
    case .answered, .failed, nil:
      return nil
    }
  }

  /// Ends call `id`: a reply that comes later is stale.
  mutating func finish(_ id: UInt32) {
    slots[id] = nil
  }

  /// Closes: every call fails with ``SPError/closed``, and so does every later one. Returns the
  /// waiters to resume with it.
  mutating func close() -> [Waiter] {
    isClosed = true
    var waiters: [Waiter] = []
    for (id, slot) in slots {
      switch slot {
      case .waiting(let waiter):
        waiters.append(waiter)
        slots[id] = .failed(SPError.closed)
      case .pending:
        slots[id] = .failed(SPError.closed)
      case .answered, .failed:
        break
      }
    }
    return waiters
  }
}
