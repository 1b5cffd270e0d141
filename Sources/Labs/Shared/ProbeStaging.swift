import Foundation
import LabPipeline

/// How a tenant lab stages the CUDA probes (`probes/*.cu`, shared by the labs) in its private
/// directory: the directory made with `mktemp -d`, each probe's source written into it, then
/// compiled with the host's nvcc or copied from `probe_dir` (built elsewhere) with its SHA-256.
enum ProbeStaging {
  static let probes = ["memory-probe", "throughput-probe"]

  /// The lab file that holds `probe`'s CUDA source.
  static func sourceFile(_ probe: String) -> String { "probes/\(probe).cu" }

  /// Makes the private directory, its name starting with `prefix`.
  static func makeDirectory(prefix: String) -> RemoteCommand {
    RemoteCommand("mktemp -d \"${TMPDIR:-/tmp}/\(prefix)XXXXXX\"")
  }

  /// The run.json parameter that records the private directory as soon as `mktemp` made it: a
  /// stage that fails after that never records its output in the ledger, and the rerun and the
  /// teardown must still find the directory (its library copy, its probes).
  static let stagedDirectoryParameter = "staged_directory"

  /// Makes the private directory, after removing the one an earlier attempt of the stage made and
  /// did not finish; returns the workspace in it.
  static func makeWorkspace<Workspace: ProbeWorkspace>(
    _ ctx: StepContext, prefix: String, as workspace: Workspace.Type
  ) async throws -> Workspace {
    if let earlier = stagedDirectory(ctx.parameters) {
      // Not this attempt's to fail on (an image still mounted in it, say): said, and left for down.
      let removal = try await ctx.run("rm -rf -- \(ShellQuote.quote(earlier))")
      if !removal.succeeded {
        ctx.note(
          "could not remove \(earlier), which an earlier attempt of this step made "
            + "(\(removal.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))); remove it by hand")
      }
    }
    let directory = try await ctx.runChecked(makeDirectory(prefix: prefix)).trimmedStdout
    guard directory.hasPrefix("/"), directory.contains(prefix) else {
      throw StepError.unexpected("mktemp -d printed '\(directory)', not a directory; check the host's /tmp")
    }
    try await ctx.recordParameter(stagedDirectoryParameter, .string(directory))
    ctx.note("staging in \(directory)")
    return Workspace(directory: directory)
  }

  /// The private directory a stage recorded (``stagedDirectoryParameter``), when it is one a tenant
  /// lab's `mktemp -d` made: an absolute path whose name starts `labrun-`.
  static func stagedDirectory(_ parameters: Parameters) -> String? {
    guard let path = parameters[stagedDirectoryParameter]?.stringValue, path.hasPrefix("/"),
      !path.split(separator: "/").contains(".."),
      URL(fileURLWithPath: path).lastPathComponent.hasPrefix("labrun-")
    else { return nil }
    return path
  }

  /// Writes the probes' sources (the lab's `probes/*.cu`) into `workspace`.
  static func writeSources(_ ctx: StepContext, files: LabFiles, into workspace: some ProbeWorkspace)
    async throws
  {
    for probe in probes {
      let source = try files.text(sourceFile(probe))
      try await ctx.runChecked(
        RemoteCommand("cat > \(ShellQuote.quote(workspace.file(probe + ".cu")))", stdin: Array(source.utf8)))
    }
  }

  /// What ``writeSources(_:files:into:)`` runs, for the plan.
  static func planSources(_ workspace: some ProbeWorkspace) -> [RemoteCommand] {
    probes.map { RemoteCommand("cat > \(workspace.file($0 + ".cu"))") }
  }

  /// Compiles the probes with `nvcc`, or copies the prebuilt ones of `probeDirectory` (with
  /// their SHA-256); `file` names a file in the private directory.
  static func build(
    probeDirectory: String, nvccFlags: String, into file: (String) -> String, nvcc: String
  ) -> [RemoteCommand] {
    if !probeDirectory.isEmpty {
      return probes.flatMap { probe -> [RemoteCommand] in
        let source = ShellQuote.quote(probeDirectory + "/" + probe)
        let target = ShellQuote.quote(file(probe))
        return [
          RemoteCommand("sha256sum \(source)"),
          RemoteCommand("cat \(source) > \(target) && chmod 755 \(target)"),
        ]
      }
    }
    return [RemoteCommand("\(ShellQuote.quote(nvcc)) --version")]
      + probes.map { probe in
        RemoteCommand(
          "\(ShellQuote.quote(nvcc)) \(nvccFlags) -o \(ShellQuote.quote(file(probe))) "
            + ShellQuote.quote(file(probe + ".cu")), timeout: .seconds(600))
      }
  }
}
