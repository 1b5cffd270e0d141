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

  static let makeDirectory = RemoteCommand(
    "mktemp -d \"${TMPDIR:-/tmp}/\(MPSCatalog.workDirectoryPrefix)XXXXXX\"")

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> MPSWorkspace { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> MPSWorkspace {
    let settings = try MPSSettings(ctx.parameters)
    let nvcc = try ctx.output(of: MPSPreflight()).nvcc
    let directory = try await ctx.runChecked(Self.makeDirectory).trimmedStdout
    guard directory.hasPrefix("/"), directory.contains(MPSCatalog.workDirectoryPrefix) else {
      throw StepError.unexpected("mktemp -d printed '\(directory)', not a directory; check the host's /tmp")
    }
    let workspace = MPSWorkspace(directory: directory)
    ctx.note("staging in \(directory)")
    try await ctx.runChecked(Self.makeMPSDirectories(workspace))
    for probe in HAMiCoreStageStep.probes {
      let source = try files.text(HAMiCoreStageStep.sourceFile(probe))
      try await ctx.runChecked(
        RemoteCommand("cat > \(ShellQuote.quote(workspace.file(probe + ".cu")))", stdin: Array(source.utf8)))
    }
    try await ctx.capture(
      HAMiCoreStageStep.build(
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
    return [Self.makeDirectory, Self.makeMPSDirectories(workspace)]
      + HAMiCoreStageStep.probes.map { RemoteCommand("cat > \(workspace.file($0 + ".cu"))") }
      + HAMiCoreStageStep.build(
        probeDirectory: settings.probeDirectory, nvccFlags: settings.nvccFlags, into: workspace.file,
        nvcc: "<nvcc>")
  }
}
