import Foundation
import LabPipeline

/// Says what is left of the lab on the host, and fails if anything is.
struct HAMiCoreVerifyCleanStep: VerifyCleanStepKind {
  func leftovers(_ ctx: StepContext) async throws -> [TeardownLeftovers.Item] {
    let cleanup = try ctx.output(of: HAMiCoreCleanupStep())
    guard let directory = cleanup.directory else { return [] }
    var left: [TeardownLeftovers.Item] = []
    if try await ctx.run("test -e \(ShellQuote.quote(directory))").succeeded {
      left.append(
        .init("the staged directory \(directory)", removal: "rm -rf \(ShellQuote.quote(directory))"))
    }
    for pid in cleanup.pids where try await ctx.run(Self.stillRunning(pid, directory: directory)).succeeded {
      left.append(.init("tenant process \(pid)", removal: "kill \(pid)"))
    }
    return left
  }

  /// Succeeds when `pid` is alive and still one of the run's processes (its command line names
  /// the run's directory), as the cleanup decides what to kill: a pid the kernel gave to another
  /// process meanwhile is not the lab's leftover.
  static func stillRunning(_ pid: Int, directory: String) -> String {
    "kill -0 \(pid) 2>/dev/null && grep -qaF -- \(ShellQuote.quote(directory)) /proc/\(pid)/cmdline 2>/dev/null"
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("test -e \(ctx.placeholder("dir"))")]
  }
}
