import ArgumentParser
import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Turns SIGINT and SIGTERM into task cancellation, so an interrupted labrun stops the
/// command it is running (local commands run in their own process group and would not see
/// the terminal's Ctrl-C), records the interrupted step in the ledger, and exits 130.
enum SignalCancellation {
  /// Runs `body` in a task that SIGINT/SIGTERM cancel. Exits 130 if a signal arrived,
  /// whatever `body` ended with.
  static func run(_ body: @escaping @Sendable () async throws -> Void) async throws {
    let received = SignalFlag()
    let task = Task { try await body() }
    let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler {
        if received.set() {
          FileHandle.standardError.write(Data("\nlabrun: interrupted; stopping the current command\n".utf8))
          task.cancel()
        } else {
          // A second signal: leave at once.
          exit(130)
        }
      }
      source.resume()
      return source
    }
    defer {
      for source in sources { source.cancel() }
    }
    let result = await task.result
    if received.isSet {
      FileHandle.standardError.write(Data("labrun: \(Interrupted())\n".utf8))
      throw ExitCode(130)
    }
    try result.get()
  }
}

/// labrun was interrupted by SIGINT or SIGTERM.
struct Interrupted: Error, CustomStringConvertible {
  var description: String {
    "interrupted; the interrupted step is recorded in the ledger. Run the same command again to resume, "
      + "or `labrun down` to tear down"
  }
}

/// Set once by the first signal.
private final class SignalFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false

  /// Sets the flag; true if it was not set before.
  func set() -> Bool {
    lock.lock()
    defer { lock.unlock() }
    defer { value = true }
    return !value
  }

  var isSet: Bool {
    lock.lock()
    defer { lock.unlock() }
    return value
  }
}
