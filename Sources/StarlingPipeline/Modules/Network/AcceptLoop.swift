import NIOCore

/// The accept loop of `input.tcp` (`input.http` stops its `HTTPServer` in the same spirit:
/// `HTTPInput.run()`).
///
/// A stop does not cancel the loop: cancelling the task that iterates a NIO server channel
/// drops the connections it has accepted but not yet handed over, which then stay open, unread
/// and unanswered (a client waits on them forever; NIO can even trap on them). Instead the
/// stop closes the listening channel: the loop hands over what was accepted before, then ends.
/// Those late connections are refused by ``ConnectionReaders`` (closed at once, unread), so the
/// client sees its connection end and connects again, to the pipeline that replaces this one
/// on a reload.
enum AcceptLoop {
  /// Hands each accepted connection to `serve` until the task running it is cancelled (the
  /// pipeline stops) or the listener fails.
  ///
  /// - Returns: the error that ended the loop, unless it ended because of a stop.
  static func run<Connection: Sendable>(
    _ server: NIOAsyncChannel<Connection, Never>, readers: ConnectionReaders,
    serve: @escaping @Sendable (Connection) -> Void
  ) async -> (any Error)? {
    // A task of its own, which cancelling the caller does not cancel.
    let loop = Task<(any Error)?, Never> {
      do {
        try await server.executeThenClose { connections in
          for try await connection in connections { serve(connection) }
        }
        return nil
      } catch {
        return error
      }
    }
    return await withTaskCancellationHandler {
      let error = await loop.value
      return readers.isRefusing ? nil : error
    } onCancel: {
      readers.refuseNew()
      server.channel.close(promise: nil)
    }
  }
}
