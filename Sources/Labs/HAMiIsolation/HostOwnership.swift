import Foundation
import LabPipeline

/// Which run owns the host: a file on the host, written by ``ClaimHostStep`` at `up` and
/// removed by ``ReleaseHostStep`` when that run's `down` completes. It belongs to the run,
/// not to a process: a labrun killed mid-`up` still owns the host, and its rerun resumes.
struct HostOwnership: Sendable, Hashable {
  /// Kept under /var/lib (not /tmp) so that only root can write it, and a reboot keeps it.
  static let file = "/var/lib/labrun/owner"

  var runID: String
  var controller: String
  var since: String

  static let read = RemoteCommand("cat \(ShellQuote.quote(file))", privileged: true)

  /// The owner recorded on the host, or nil when none is.
  static func current(_ ctx: StepContext) async throws -> HostOwnership? {
    let output = try await ctx.run(read)
    guard output.succeeded else { return nil }
    var fields: [String: String] = [:]
    for line in output.stdoutLines {
      let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { fields[parts[0]] = parts[1] }
    }
    guard let run = fields["run"], !run.isEmpty else { return nil }
    return HostOwnership(runID: run, controller: fields["controller"] ?? "?", since: fields["since"] ?? "?")
  }

  /// The command that records `self` as the owner (the content on standard input).
  var write: RemoteCommand {
    let content = "run=\(runID)\ncontroller=\(controller)\nsince=\(since)\n"
    return RemoteCommand(
      "mkdir -p \(ShellQuote.quote((Self.file as NSString).deletingLastPathComponent))"
        + " && tee \(ShellQuote.quote(Self.file)) >/dev/null",
      privileged: true, stdin: Array(content.utf8))
  }

  var summary: String { "run \(runID) (controller \(controller), since \(since))" }
}

/// Takes ownership of the host for this run, before it changes anything; refuses when another
/// run owns it, unless `--break-lock` (``LifecycleOptions/breakLock``) takes it over.
struct ClaimHostStep: Step {
  var id: String { "claim-host" }
  var title: String { "Take ownership of the host for this run" }

  func check(_ ctx: StepContext) async throws -> Bool {
    let owner = try await HostOwnership.current(ctx)
    let runID = await ctx.runID
    if owner?.runID == runID { ctx.satisfied("this run already owns the host") }
    return owner?.runID == runID
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let runID = await ctx.runID
    if let owner = try await HostOwnership.current(ctx), owner.runID != runID {
      guard ctx.options.breakLock else {
        throw StepError.unexpected(
          "the host is owned by \(owner.summary), from its up until its down completes; "
            + "wait for it, run `labrun down --run \(owner.runID)`, or take the host over with "
            + "`labrun up --break-lock` (or `labrun run --break-lock`) if that run is gone")
      }
      ctx.note("--break-lock: taking the host over from \(owner.summary)")
    }
    let since = ISO8601DateFormatter().string(from: Date())
    let controller = ProcessInfo.processInfo.hostName
    try await ctx.runChecked(HostOwnership(runID: runID, controller: controller, since: since).write)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      HostOwnership.read,
      HostOwnership(
        runID: ctx.placeholder("run-id"), controller: ctx.placeholder("this-host"),
        since: ctx.placeholder("now")
      ).write,
    ]
  }
}

/// Frees the host when this run's `down` completed: the last step of `down`, after the
/// verification, so a teardown that left something keeps the host owned.
struct ReleaseHostStep: Step {
  var id: String { "release-host" }
  var title: String { "Give up ownership of the host" }
  var rechecksWhenFinished: Bool { true }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard let owner = try await HostOwnership.current(ctx) else {
      ctx.satisfied("no run owns the host")
      return true
    }
    let runID = await ctx.runID
    if owner.runID != runID {
      ctx.satisfied("the host is owned by \(owner.summary), not by this run: left as it is")
      return true
    }
    return false
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("rm -f \(ShellQuote.quote(HostOwnership.file))", privileged: true)]
  }
}

/// The first step of `down`: a run tears down only a host it owns (or one nobody owns). The
/// `down` of a run refused at `up`, or taken over with `--break-lock`, must not delete the
/// owner's pods and release.
struct ConfirmOwnershipStep: Step {
  var id: String { "confirm-owner" }
  var title: String { "Confirm this run owns the host" }
  var rechecksWhenFinished: Bool { true }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard let owner = try await HostOwnership.current(ctx) else {
      ctx.satisfied("no run owns the host")
      return true
    }
    let runID = await ctx.runID
    guard owner.runID == runID else {
      throw StepError.unexpected(
        "the host is owned by \(owner.summary), not by this run: its teardown is left to that run "
          + "(`labrun down --run \(owner.runID)`)")
    }
    ctx.satisfied("this run owns the host")
    return true
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput { NoOutput() }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [HostOwnership.read] }
}
