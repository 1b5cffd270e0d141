import Testing

/// Runs the tests it marks one at a time, across suites: they run OpenSSH's tools
/// synchronously (ssh-keygen key generation takes seconds, RSA's most), and each such test
/// holds a thread of Swift's cooperative pool, which has one thread per core. Several at once
/// left no thread for the rest of the process, and timing tests elsewhere (command timeouts,
/// cancellation, polling) failed by tens of seconds. Waiting for the turn suspends; it blocks
/// no thread.
struct OpenSSHTurn: TestTrait, SuiteTrait, TestScoping {
  var isRecursive: Bool { true }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    // The suite's own scope wraps all its tests; only each test case takes a turn.
    guard testCase != nil else { return try await function() }
    await Turnstile.shared.enter()
    do {
      try await function()
    } catch {
      await Turnstile.shared.leave()
      throw error
    }
    await Turnstile.shared.leave()
  }
}

extension Trait where Self == OpenSSHTurn {
  /// One test case at a time among those marked, whatever their suite.
  static var openSSHTurn: Self { OpenSSHTurn() }
}

/// Admits one holder at a time, in arrival order.
private actor Turnstile {
  static let shared = Turnstile()
  private var busy = false
  private var waiting: [CheckedContinuation<Void, Never>] = []

  func enter() async {
    guard busy else {
      busy = true
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  func leave() {
    if waiting.isEmpty {
      busy = false
    } else {
      waiting.removeFirst().resume()
    }
  }
}
