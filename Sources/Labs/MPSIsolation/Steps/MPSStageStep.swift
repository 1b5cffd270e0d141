import Foundation
import LabPipeline

/// Makes the run's private directory (`mktemp -d`) with the MPS pipe and log directories in it,
/// and stages the lab's probes there, compiled with the host's nvcc. Teardown removes it.
struct MPSStageStep: Step {
  typealias Output = MPSWorkspace

  let files: LabFiles

  var id: String { "stage" }
  var title: String { "Make a private directory (MPS pipe and log) and compile the probes" }
  var timeout: Duration { .seconds(900) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> MPSWorkspace { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> MPSWorkspace {
    let settings = try MPSSettings(ctx.parameters)
    let nvcc = try ctx.output(of: MPSPreflight()).nvcc
    let workspace = try await ProbeStaging.makeWorkspace(
      ctx, prefix: MPSCatalog.workDirectoryPrefix, as: MPSWorkspace.self)
    try await ctx.runChecked(Self.makeMPSDirectories(workspace))
    try await ProbeStaging.writeSources(ctx, files: files, into: workspace)
    try await ctx.capture(
      ProbeStaging.build(
        probeDirectory: settings.probeDirectory, nvccFlags: settings.nvccFlags, into: workspace.file,
        nvcc: nvcc),
      into: MPSCatalog.build)
    return workspace
  }

  static func makeMPSDirectories(_ workspace: MPSWorkspace) -> RemoteCommand {
    RemoteCommand(
      "mkdir -p \(ShellQuote.quote(workspace.pipeDirectory)) \(ShellQuote.quote(workspace.logDirectory))")
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = MPSWorkspace(directory: ctx.placeholder("dir"))
    return [
      ProbeStaging.makeDirectory(prefix: MPSCatalog.workDirectoryPrefix), Self.makeMPSDirectories(workspace),
    ]
      + ProbeStaging.planSources(workspace)
      + ProbeStaging.build(
        probeDirectory: settings.probeDirectory, nvccFlags: settings.nvccFlags, into: workspace.file,
        nvcc: "<nvcc>")
  }
}
