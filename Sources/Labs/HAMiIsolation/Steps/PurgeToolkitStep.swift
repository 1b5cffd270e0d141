import Foundation
import LabPipeline

/// `down --purge`: the NVIDIA Container Toolkit (purged: its configuration too) and its apt
/// source, when this run installed them; a toolkit that was on the host before is kept.
struct PurgeToolkitStep: Step {
  var id: String { "purge-toolkit" }
  var title: String { "Purge the NVIDIA Container Toolkit and its apt source (--purge only)" }
  var rechecksWhenFinished: Bool { true }
  /// apt's lock is waited on in the command (`apt_lock_timeout`); a second try covers the rest.
  var retry: RetryPolicy { RetryPolicy(maxAttempts: 2, initialBackoff: .seconds(10)) }
  func timeout(_ parameters: Parameters) -> Duration {
    .seconds(600) + .seconds((try? HostCommands.lockTimeout(parameters)) ?? 600)
  }

  static let listFile = RemoteCommand("cat \(ShellQuote.quote(HAMiIsolationLab.toolkitList))")

  static func removes(_ parameters: Parameters, purge: Bool) -> Bool {
    purge && HostCommands.installedByLabrun("toolkit", parameters)
  }

  /// Whether any trace of the toolkit's packages is left: installed, or removed with its
  /// configuration kept (dpkg's `deinstall ok config-files`).
  static func packageLeft(_ ctx: StepContext) async throws -> Bool {
    let status = try await ctx.run(ContainerToolkitStep.installed).stdoutText
    return status.contains("installed") || status.contains("config-files")
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard ctx.options.purge else {
      ctx.satisfied("kept the NVIDIA Container Toolkit: no --purge")
      return true
    }
    guard HostCommands.installedByLabrun("toolkit", ctx.parameters) else {
      ctx.satisfied(
        "kept the NVIDIA Container Toolkit and its apt source: they were on the host before this run's up")
      return true
    }
    guard try await !Self.packageLeft(ctx) else { return false }
    return try await !ctx.run(Self.listFile).succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    for command in try plan(ctx.planContext) { try await ctx.runChecked(command) }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    guard ctx.options.purge && HostCommands.plannedInstall("toolkit", ctx.parameters)
    else { return [] }
    let lock = try HostCommands.lockTimeout(ctx.parameters)
    return [
      RemoteCommand(
        HostCommands.aptGet("purge -y -qq \(HAMiIsolationLab.toolkitPackages)", lockTimeout: lock),
        privileged: true, timeout: .seconds(300 + lock)),
      RemoteCommand(
        "rm -f \(ShellQuote.quote(HAMiIsolationLab.toolkitList)) \(ShellQuote.quote(HAMiIsolationLab.toolkitKeyring))",
        privileged: true),
    ]
  }
}
