import DequeModule
import StarlingChannels

/// A bounded queue between a channel, which pushes elements (accepted connections, received
/// datagrams) on its event loop, and its readers: one task at a time waiting in
/// ``ElementQueue/next()``, and any number of waiting `select`s. No I/O and no locks: an
/// ``ElementQueue`` holds it under its lock and carries out what it returns. A select's claim
/// is made here, under that lock, as `SelectableSource` requires.
///
/// Invariants: readers (the task and the selects) wait only while the queue is empty and not
/// ended; an element goes to the waiting task first, then to the first waiting select whose
/// claim succeeds, else into the queue; the channel is read only while the queue holds fewer
/// than `capacity` elements (or a reader waits), and never after the end.
struct ElementQueueStateMachine<Element: Sendable> {
  /// A waiting select's case.
  typealias Waiter = SelectWaiter<Element?>
  /// A won claim on a waiting select, to fire (after the lock) with what it gets.
  typealias Claim = SelectClaim<Element?>

  /// Where ``push(_:)`` put an element.
  enum Push {
    /// To the waiting task: resume it with the element.
    case reader(Element)
    /// To a waiting select: fire the claim with the element.
    case select(Claim, Element)
    /// Into the queue.
    case queued
    /// Nowhere: the queue has ended. Dispose of it.
    case rejected(Element)
  }

  /// What the end (``finish()``, ``close()``) leaves to do.
  struct End {
    /// Whether a task waits: resume it with `nil`.
    var readerEnds = false
    /// The waiting selects' claims: fire each with `nil`.
    var claims: [Claim] = []
    /// The elements nobody will read (``close()`` only): dispose of them.
    var left: [Element] = []
  }

  private var elements = Deque<Element>()
  private var ended = false
  private var waiting = false
  private var selects: [Waiter] = []
  private var readHeld = false
  private let capacity: Int

  init(capacity: Int) {
    self.capacity = max(1, capacity)
  }

  // MARK: Readers

  /// A task asks for the next element; with `mayWait` it is kept as the waiting task if there
  /// is nothing yet.
  mutating func next(mayWait: Bool) -> ReadStep<Element?> {
    if let element = elements.popFirst() {
      return .done(.success(element), resumeReading: takeResume())
    }
    if ended { return .done(.success(nil), resumeReading: false) }
    guard mayWait else { return .wait(resumeReading: false) }
    waiting = true
    return .wait(resumeReading: takeResume())
  }

  /// The waiting task was cancelled: `true` if there was one.
  mutating func cancelWaiting() -> Bool {
    defer { waiting = false }
    return waiting
  }

  /// A select asks for an element now: the element, `.some(nil)` after the end, or `nil` if
  /// there is none yet; and whether the channel should read again.
  mutating func selectTryTake() -> (output: Element??, resumeReading: Bool) {
    if let element = elements.popFirst() { return (.some(element), takeResume()) }
    return (ended ? .some(nil) : nil, false)
  }

  /// A waiting select registers: claimed at once if there is an element or the end (the claim
  /// and what to fire it with are returned), else kept.
  mutating func selectRegister(_ waiter: Waiter) -> (fire: (Claim, Element?)?, resumeReading: Bool) {
    guard !elements.isEmpty || ended else {
      selects.append(waiter)
      return (nil, false)
    }
    // No claim: that select fired through another case; the element stays.
    guard let claim = waiter.claim() else { return (nil, false) }
    guard let element = elements.popFirst() else { return ((claim, nil), false) }
    return ((claim, element), takeResume())
  }

  /// A select leaves (whichever case fired): its waiter is forgotten if still kept.
  mutating func selectDeregister(_ waiter: Waiter) {
    selects.removeAll { $0 === waiter }
  }

  // MARK: Channel side

  /// The channel asks to read: whether it may now; else it is held until there is room.
  mutating func readRequested() -> Bool {
    if mayRead { return true }
    readHeld = true
    return false
  }

  /// An element arrived.
  mutating func push(_ element: Element) -> Push {
    guard !ended else { return .rejected(element) }
    if waiting {
      waiting = false
      return .reader(element)
    }
    while !selects.isEmpty {
      // A failed claim: that select fired elsewhere; drop its stale waiter.
      if let claim = selects.removeFirst().claim() { return .select(claim, element) }
    }
    elements.append(element)
    return .queued
  }

  /// The source ended (the first end counts): readers read what is queued, then `nil`.
  mutating func finish() -> End {
    guard !ended else { return End() }
    ended = true
    defer {
      waiting = false
      selects = []
    }
    return End(readerEnds: waiting, claims: selects.compactMap { $0.claim() })
  }

  /// Ends the queue and empties it.
  mutating func close() -> End {
    var end = finish()
    end.left = Array(elements)
    elements.removeAll()
    return end
  }

  private var mayRead: Bool {
    !ended && (elements.count < capacity || waiting)
  }

  private mutating func takeResume() -> Bool {
    guard readHeld, mayRead else { return false }
    readHeld = false
    return true
  }
}
