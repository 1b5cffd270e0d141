import Foundation
import LabPipeline

/// Teardown: stops any tenant still running (by the pids the lab recorded), then removes the
/// private directory with the library, the probes, the cache files and the logs (also the one a
/// stage that failed made: ``ProbeStaging/stagedDirectoryParameter``).
struct HAMiCoreCleanupStep: Step {
  struct Output: Codable, Sendable, Hashable {
    /// The directory removed, nil when nothing was staged.
    var directory: String?
    /// The tenant pids found in it.
    var pids: [Int]
  }

  var id: String { "cleanup" }
  var title: String { "Stop the tenants and remove the staged directory" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> Output { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> Output {
    // The stage's output, or the directory a stage that failed after making it recorded.
    guard
      let workspace = (try? HAMiCoreWorkspace.staged(ctx))
        ?? ProbeStaging.stagedDirectory(ctx.parameters).map(HAMiCoreWorkspace.init(directory:))
    else { return Output(directory: nil, pids: []) }
    let output = try await ctx.runChecked(Self.script(workspace))
    let pids = output.stdoutLines.compactMap { line -> Int? in
      line.hasPrefix("pid ") ? Int(line.dropFirst(4)) : nil
    }
    return Output(directory: workspace.directory, pids: pids)
  }

  /// Stops every recorded process of the run (``ProbeShell/stopRecorded(in:report:)``: a pid the
  /// kernel reused for another process is left alone), then removes the directory.
  static func script(_ workspace: HAMiCoreWorkspace) -> String {
    ProbeShell.stopRecorded(in: workspace.directory, report: true) + "; rm -rf "
      + ShellQuote.quote(workspace.directory)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand(Self.script(HAMiCoreWorkspace(directory: ctx.placeholder("dir"))))]
  }
}
