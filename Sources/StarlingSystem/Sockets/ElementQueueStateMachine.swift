import DequeModule

/// A bounded queue between a channel, which pushes elements (accepted connections, received
/// datagrams) on its event loop, and one reader at a time. No I/O and no locks: an
/// ``ElementQueue`` holds it under its lock and carries out what it returns.
///
/// Invariants: at most one reader waits, and only while the queue is empty and not ended; the
/// channel is read only while the queue holds fewer than `capacity` elements (or a reader
/// waits), and never after the end.
struct ElementQueueStateMachine<Element> {
  /// How the queue ended.
  enum End {
    /// The source ended: what is queued is still read, then `nil`.
    case finished
    /// The source failed: what is queued is still read, then this is thrown.
    case failed(any Error)
  }

  private var elements = Deque<Element>()
  private var end: End?
  private var waiting = false
  private var readHeld = false
  private let capacity: Int

  init(capacity: Int) {
    self.capacity = max(1, capacity)
  }

  /// A reader asks for the next element; with `mayWait` it is kept as the waiting reader if
  /// there is none.
  mutating func next(mayWait: Bool) -> ReadStep<Element?> {
    if let element = elements.popFirst() {
      return .done(.success(element), resumeReading: takeResume())
    }
    switch end {
    case .finished: return .done(.success(nil), resumeReading: false)
    case .failed(let error): return .done(.failure(error), resumeReading: false)
    case nil: break
    }
    guard mayWait else { return .wait(resumeReading: false) }
    waiting = true
    return .wait(resumeReading: takeResume())
  }

  /// The waiting reader was cancelled: `true` if there was one.
  mutating func cancelWaiting() -> Bool {
    defer { waiting = false }
    return waiting
  }

  /// The channel asks to read: whether it may now; else it is held until there is room.
  mutating func readRequested() -> Bool {
    if mayRead { return true }
    readHeld = true
    return false
  }

  /// An element arrived: handed to the waiting reader if there is one (returned), else queued.
  /// After the end it is returned too, for the caller to dispose of.
  mutating func push(_ element: Element) -> (forReader: Element?, rejected: Element?) {
    guard end == nil else { return (nil, element) }
    if waiting {
      waiting = false
      return (element, nil)
    }
    elements.append(element)
    return (nil, nil)
  }

  /// The source ended (the first end counts): the waiting reader's result, if one waits.
  mutating func finish(_ end: End) -> Result<Element?, any Error>? {
    guard self.end == nil else { return nil }
    self.end = end
    guard waiting else { return nil }
    waiting = false
    switch end {
    case .finished: return .success(nil)
    case .failed(let error): return .failure(error)
    }
  }

  /// Ends the queue and empties it: the waiting reader's result (the end), and the elements
  /// nobody will read.
  mutating func close() -> (Result<Element?, any Error>?, [Element]) {
    let reader = finish(.finished)
    defer { elements.removeAll() }
    return (reader, Array(elements))
  }

  private var mayRead: Bool {
    end == nil && (elements.count < capacity || waiting)
  }

  private mutating func takeResume() -> Bool {
    guard readHeld, mayRead else { return false }
    readHeld = false
    return true
  }
}
