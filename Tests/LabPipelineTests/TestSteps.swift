import Foundation
import LabPipeline
import TestSupport

/// A step whose check and apply are closures, for pipeline tests.
struct ClosureStep: Step {
  let id: String
  var title: String { "step \(id)" }
  var timeout: Duration = .seconds(30)
  var retry: RetryPolicy = .none
  var isSatisfied: @Sendable (StepContext) async throws -> Bool = { _ in false }
  var body: @Sendable (StepContext) async throws -> Int

  init(
    _ id: String, timeout: Duration = .seconds(30), retry: RetryPolicy = .none,
    isSatisfied: @escaping @Sendable (StepContext) async throws -> Bool = { _ in false },
    body: @escaping @Sendable (StepContext) async throws -> Int
  ) {
    self.id = id
    self.timeout = timeout
    self.retry = retry
    self.isSatisfied = isSatisfied
    self.body = body
  }

  func check(_ ctx: StepContext) async throws -> Bool { try await isSatisfied(ctx) }
  func apply(_ ctx: StepContext) async throws -> Int { try await body(ctx) }
  func observe(_ ctx: StepContext) async throws -> Int { -1 }
  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("apply \(id) \(ShellQuote.quote(try ctx.parameters.string("value")))", privileged: true)]
  }
}

/// Counts calls across tasks.
actor Counter {
  private(set) var value = 0

  @discardableResult
  func next() -> Int {
    value += 1
    return value
  }
}

/// Collects progress events.
final class EventLog: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [ProgressEvent] = []

  var events: [ProgressEvent] {
    lock.lock()
    defer { lock.unlock() }
    return storage
  }

  var handler: ProgressHandler {
    { [self] event in
      self.lock.lock()
      self.storage.append(event)
      self.lock.unlock()
    }
  }
}

/// A run in a temporary state directory.
struct RunFixture {
  let home: TemporaryDirectory
  let store: RunStore
  let run: RunDirectory
  let redactor: Redactor

  init(parameters: [String: RecordedValue] = ["value": .string("v")], redactor: Redactor = Redactor()) throws
  {
    home = try TemporaryDirectory()
    store = RunStore(state: StateDirectory(root: home.url))
    self.redactor = redactor
    run = try store.create(
      lab: "test-lab", labFile: nil, target: TargetInfo(name: "recorded", kind: .local),
      parameters: parameters,
      redactor: redactor, now: Date(timeIntervalSince1970: 1_782_209_700))
  }

  /// The run read back from disk, as a new labrun invocation would.
  func reopened() throws -> RunDirectory {
    try store.open(run.directory, redactor: redactor)
  }

  func ledgerOnDisk() throws -> Ledger {
    try RunStore.readLedger(in: run.directory)
  }

  /// Every file of the run directory, concatenated.
  func everythingWritten() throws -> String { WrittenText.under(run.directory) }
}

/// A teardown-like step: checked again on a rerun even when the ledger says it finished.
struct RecheckingStep: Step {
  let id: String
  var title: String { "step \(id)" }
  var rechecksWhenFinished: Bool { true }
  let checks: Counter
  let applies: Counter

  func check(_ ctx: StepContext) async throws -> Bool {
    await checks.next()
    return false
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    await applies.next()
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [] }
}

/// A step whose bound is a parameter plus a margin.
struct ParameterBoundStep: Step {
  var id: String { "bound" }
  var title: String { "bound by wait_s" }
  func timeout(_ parameters: Parameters) -> Duration {
    .seconds((try? parameters.int("wait_s")) ?? 0) + .milliseconds(300)
  }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await Task.sleep(for: .seconds(30))
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [] }
}
