import Foundation
import LabPipeline

/// `labs/selftest`: harmless steps that exercise the engine end to end through a real
/// transport: markers under `marker_dir`, a sleep (to kill labrun mid-step), a gate that
/// fails while a file exists (to test resume), a parameter echoed to a file (to test
/// quoting), and typed outputs passed between steps and phases.
public enum SelfTestLab {
  public static let phases = LabPhases(
    up: [
      SelfTestPrepare(),
      SelfTestWriteMarker(id: "write-up-marker", file: "up.marker"),
      SelfTestEchoParameter(),
      SelfTestSleep(),
      SelfTestGate(),
      SelfTestFacts(),
    ],
    exercises: [
      SelfTestUseFacts(),
      SelfTestShowToken(),
      SelfTestWriteMarker(id: "write-exercises-marker", file: "exercises.marker"),
    ],
    down: [SelfTestCleanUp()]
  )

  /// `marker_dir`, quoted for the shell.
  static func directory(_ parameters: Parameters) throws -> String {
    try parameters.string("marker_dir")
  }

  /// `marker_dir/name`, quoted for the shell.
  static func path(_ parameters: Parameters, _ name: String) throws -> String {
    ShellQuote.quote(try directory(parameters) + "/" + name)
  }
}

/// Creates `marker_dir`.
struct SelfTestPrepare: Step {
  var id: String { "prepare" }
  var title: String { "Create the marker directory" }

  func check(_ ctx: StepContext) async throws -> Bool {
    let directory = try SelfTestLab.directory(ctx.parameters)
    return try await ctx.run("test -d \(ShellQuote.quote(directory))").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("mkdir -p " + ShellQuote.quote(try SelfTestLab.directory(ctx.parameters)))]
  }
}

/// Writes `marker_dir/<file>` once; satisfied when it exists.
struct SelfTestWriteMarker: Step {
  struct Output: Codable, Sendable, Hashable {
    var path: String
  }

  let id: String
  let file: String
  var title: String { "Write \(file)" }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run("test -f \(SelfTestLab.path(ctx.parameters, file))").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> Output {
    for command in try plan(PlanContext(parameters: ctx.parameters, target: ctx.target)) {
      try await ctx.runChecked(command)
    }
    return try observe(ctx)
  }

  func observe(_ ctx: StepContext) throws -> Output {
    Output(path: try SelfTestLab.directory(ctx.parameters) + "/" + file)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("date -u +%Y-%m-%dT%H:%M:%SZ > \(try SelfTestLab.path(ctx.parameters, file))")]
  }
}

/// Writes `echo_value` byte for byte to `marker_dir/echo.txt` and captures it as an artifact.
struct SelfTestEchoParameter: Step {
  var id: String { "echo-parameter" }
  var title: String { "Echo echo_value to the target" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    try await ctx.capture(
      [RemoteCommand("cat \(try SelfTestLab.path(ctx.parameters, "echo.txt"))")], into: "selftest-echo.txt")
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let value = try ctx.parameters.string("echo_value")
    return [
      RemoteCommand(
        "printf '%s' \(ShellQuote.quote(value)) > \(try SelfTestLab.path(ctx.parameters, "echo.txt"))")
    ]
  }
}

/// Sleeps `sleep_seconds`, then leaves `slept`; satisfied once `slept` exists.
struct SelfTestSleep: Step {
  var id: String { "sleep" }
  var title: String { "Sleep sleep_seconds" }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run("test -f \(SelfTestLab.path(ctx.parameters, "slept"))").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let seconds = try ctx.parameters.int("sleep_seconds")
    return [RemoteCommand("sleep \(seconds) && touch \(try SelfTestLab.path(ctx.parameters, "slept"))")]
  }
}

/// Fails while the file `fail_while_exists` exists (a resume test removes it between runs).
struct SelfTestGate: Step {
  var id: String { "gate" }
  var title: String { "Pass the gate unless fail_while_exists exists" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let gate = try ctx.parameters.string("fail_while_exists")
    guard !gate.isEmpty else { return [RemoteCommand("true")] }
    let quoted = ShellQuote.quote(gate)
    return [
      RemoteCommand(
        "if [ -e \(quoted) ]; then echo \"gate closed: \(gate.replacingOccurrences(of: "\"", with: "")) exists\" >&2; "
          + "exit 1; fi; touch \(try SelfTestLab.path(ctx.parameters, "gate.passed"))")
    ]
  }
}

/// Reads the kernel name; its typed output feeds the exercises phase and run.json.
struct SelfTestFacts: Step {
  struct Output: Codable, Sendable, Hashable {
    var kernel: String
  }

  var id: String { "facts" }
  var title: String { "Record target facts" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> Output {
    let outputs = try await ctx.capture(
      try plan(PlanContext(parameters: ctx.parameters, target: ctx.target)), into: "selftest-uname.txt")
    let kernel = outputs[0].stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    try await ctx.recordParameter("selftest_kernel", .string(kernel))
    return Output(kernel: kernel)
  }

  func observe(_ ctx: StepContext) async throws -> Output {
    Output(
      kernel: try await ctx.runChecked("uname -s").stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("uname -s")]
  }
}

/// Uses the facts step's output from the up phase.
struct SelfTestUseFacts: Step {
  var id: String { "use-facts" }
  var title: String { "Write the kernel name from the up phase" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let facts = try ctx.output(of: SelfTestFacts())
    try await ctx.runChecked(
      "printf '%s\\n' \(ShellQuote.quote(facts.kernel)) > \(try SelfTestLab.path(ctx.parameters, "kernel.txt"))"
    )
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      RemoteCommand(
        "printf '%s\\n' \(ctx.placeholder("facts.kernel")) > \(try SelfTestLab.path(ctx.parameters, "kernel.txt"))"
      )
    ]
  }
}

/// Prints `$SELFTEST_TOKEN` from the target's environment, so tests can prove it is
/// redacted in the transcript, ledger, artifacts and terminal.
struct SelfTestShowToken: Step {
  struct Output: Codable, Sendable, Hashable {
    var line: String
  }

  var id: String { "show-env" }
  var title: String { "Show the SELFTEST_TOKEN variable (redacted)" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> Output {
    let outputs = try await ctx.capture(
      try plan(PlanContext(parameters: ctx.parameters, target: ctx.target)), into: "selftest-token.txt")
    let line = outputs[0].stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    ctx.note("target said: \(line)")
    return Output(line: line)
  }

  func observe(_ ctx: StepContext) async throws -> Output {
    let output = try await ctx.runChecked(
      try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return Output(line: output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("echo \"SELFTEST_TOKEN=${SELFTEST_TOKEN:-unset}\"")]
  }
}

/// Removes `marker_dir`; satisfied when it is gone.
struct SelfTestCleanUp: Step {
  var id: String { "clean-up" }
  var title: String { "Remove the marker directory" }

  func check(_ ctx: StepContext) async throws -> Bool {
    let directory = try SelfTestLab.directory(ctx.parameters)
    return try await !ctx.run("test -e \(ShellQuote.quote(directory))").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("rm -rf " + ShellQuote.quote(try SelfTestLab.directory(ctx.parameters)))]
  }
}
