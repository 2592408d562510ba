import class StarlingChannels.SelectWaiter
import protocol StarlingChannels.SelectableSource

extension ByteStream {
  /// The lines of a ``ByteStream``: an `AsyncSequence` of `String`s that ends at the end of
  /// the stream, and a `select` case beside channels.
  ///
  /// ```swift
  /// let tail = try await ChildProcess.spawn("tail", arguments: ["-f", "/var/log/syslog"])
  /// while true {
  ///   let stop = try await select {
  ///     onReceive(tail.stdout.lines) { line in
  ///       print(try line.get() ?? "")
  ///       return false
  ///     }
  ///     onReceive(quit) { _ in true }
  ///   }
  ///   if stop { break }
  /// }
  /// ```
  ///
  /// In a `select`, the case gets the line, `nil` at the end of the stream, or the failure
  /// ``ByteStream/readLine(maxLength:)`` would throw (a line over ``maxLength`` is
  /// ``StreamError/lineTooLong(limit:)``, its bytes stay in the stream). As with a channel,
  /// exactly one case of the select fires: a line that arrives for a select that fired through
  /// another case stays in the stream for the next read. A select waiting on the lines is the
  /// stream's one waiting read: another read meanwhile throws ``StreamError/readInProgress``.
  public struct Lines: AsyncSequence, SelectableSource, Sendable {
    /// A line, without its line ending.
    public typealias Element = String
    /// What reading throws.
    public typealias Failure = any Error
    /// What a `select` case gets: the line, `nil` at the end, or the failure.
    public typealias Output = Result<String?, any Error>

    let stream: ByteStream
    /// The longest line accepted, in bytes.
    public let maxLength: Int

    /// Reads one line at a time.
    public struct AsyncIterator: AsyncIteratorProtocol {
      let lines: Lines

      /// The next line, or `nil` at the end of the stream.
      public mutating func next() async throws -> String? {
        try await lines.stream.readLine(maxLength: lines.maxLength)
      }
    }

    /// Starts reading.
    public func makeAsyncIterator() -> AsyncIterator {
      AsyncIterator(lines: self)
    }

    /// Takes a buffered line for a `select`, if there is one (or the end, or a failure).
    public func selectTryTake() -> Result<String?, any Error>? {
      do {
        return try stream.readable().selectTryLine(maxLength: maxLength)
      } catch {
        return .failure(error)
      }
    }

    /// Keeps a waiting `select`'s case until a line comes, or fires it at once.
    public func selectRegister(_ waiter: SelectWaiter<Result<String?, any Error>>) {
      do {
        try stream.readable().selectRegisterLine(waiter, maxLength: maxLength)
      } catch {
        waiter.claim()?.fire(with: .failure(error))
      }
    }

    /// Forgets a `select`'s case.
    public func selectDeregister(_ waiter: SelectWaiter<Result<String?, any Error>>) {
      stream.storage?.selectDeregisterLine(waiter)
    }
  }
}
