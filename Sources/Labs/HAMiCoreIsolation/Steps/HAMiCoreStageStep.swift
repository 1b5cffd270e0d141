import Foundation
import LabPipeline

/// Stages everything the tenants need in a private directory (`mktemp -d`): libvgpu.so (from
/// the host path, uploaded from this machine, or extracted from the HAMi image) and the lab's probes, compiled with the
/// host's nvcc. Teardown removes the directory.
struct HAMiCoreStageStep: Step {
  typealias Output = HAMiCoreWorkspace

  let files: LabFiles

  var id: String { "stage" }
  var title: String { "Stage libvgpu.so and compile the probes in a private directory" }
  var timeout: Duration { .seconds(900) }

  /// The lab file that holds `probe`'s CUDA source.
  static func sourceFile(_ probe: String) -> String { "probes/\(probe).cu" }

  static let probes = ["memory-probe", "throughput-probe"]
  static let makeDirectory = RemoteCommand(
    "mktemp -d \"${TMPDIR:-/tmp}/\(HAMiCoreCatalog.workDirectoryPrefix)XXXXXX\"")

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> HAMiCoreWorkspace { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> HAMiCoreWorkspace {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let nvcc = try ctx.output(of: HAMiCorePreflight()).nvcc
    let directory = try await ctx.runChecked(Self.makeDirectory).trimmedStdout
    guard directory.hasPrefix("/"), directory.contains(HAMiCoreCatalog.workDirectoryPrefix) else {
      throw StepError.unexpected("mktemp -d printed '\(directory)', not a directory; check the host's /tmp")
    }
    let workspace = HAMiCoreWorkspace(directory: directory)
    ctx.note("staging in \(directory)")
    for probe in Self.probes {
      let source = try files.text(Self.sourceFile(probe))
      try await ctx.runChecked(
        RemoteCommand(
          "cat > \(ShellQuote.quote(workspace.file(probe + ".cu")))", stdin: Array(source.utf8)))
    }
    try await stageLibrary(ctx, settings, workspace)
    try await ctx.capture(Self.build(settings, workspace, nvcc: nvcc), into: HAMiCoreCatalog.build)
    return workspace
  }

  /// Compiles the probes with `nvcc`, or copies the prebuilt ones of `probe_dir` (with their SHA-256).
  static func build(_ settings: HAMiCoreSettings, _ workspace: HAMiCoreWorkspace, nvcc: String)
    -> [RemoteCommand]
  {
    build(
      probeDirectory: settings.probeDirectory, nvccFlags: settings.nvccFlags, into: workspace.file, nvcc: nvcc
    )
  }

  /// The same for any lab that stages these probes: `file` names a file in its private directory.
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

  /// Copies the library into the workspace and records where it came from and its SHA-256.
  private func stageLibrary(_ ctx: StepContext, _ settings: HAMiCoreSettings, _ workspace: HAMiCoreWorkspace)
    async throws
  {
    let staged = ShellQuote.quote(workspace.library)
    switch settings.librarySource {
    case .image:
      try await ctx.capture(
        [RemoteCommand(Self.extraction(settings, workspace), timeout: .seconds(600))],
        into: HAMiCoreCatalog.library)
    case .host(let path):
      let source = ShellQuote.quote(path)
      try await ctx.capture(
        [RemoteCommand("ls -lL \(source)"), RemoteCommand("sha256sum \(source)")],
        into: HAMiCoreCatalog.library)
      try await ctx.runChecked("cat \(source) > \(staged)")
    case .local(let file):
      let data: Data
      do {
        data = try Data(contentsOf: file)
      } catch {
        throw HAMiCorePreflightError.localLibraryUnreadable(path: file.path)
      }
      try await ctx.transport.upload(file, to: workspace.library)
      try await ctx.appendArtifact(
        HAMiCoreCatalog.library, command: "upload \(file.path) (this machine) to \(workspace.library)",
        output:
          "\(Artifact.hexDigest(of: data))  \(file.path)\n\(data.count) bytes uploaded over the transport\n")
    }
    try await ctx.capture([RemoteCommand("sha256sum \(staged)")], into: HAMiCoreCatalog.library)
  }

  /// Extracts libvgpu.so from the HAMi image with the first container tool found (POSIX sh).
  static func extraction(_ settings: HAMiCoreSettings, _ workspace: HAMiCoreWorkspace) -> String {
    let image = ShellQuote.quote(settings.image)
    let out = ShellQuote.quote(workspace.file("image"))
    let staged = ShellQuote.quote(workspace.library)
    let tools = settings.containerCLI == "auto" ? "docker podman nerdctl ctr" : settings.containerCLI
    return
      "set -e; cli=; for c in \(tools); do if command -v \"$c\" >/dev/null 2>&1; then cli=$c; break; fi; done; "
      + "[ -n \"$cli\" ] || { echo 'no container tool (docker, podman, nerdctl, ctr) on the host' >&2; exit 1; }; "
      + "mkdir -p \(out)/rootfs; "
      + "if [ \"$cli\" = ctr ]; then ctr -n labrun images pull \(image); ctr -n labrun images mount \(image) \(out)/rootfs; "
      + "cp -R \(out)/rootfs/k8s-vgpu/lib/nvidia \(out)/lib; ctr -n labrun images unmount \(out)/rootfs; "
      + "else \"$cli\" pull \(image); id=$(\"$cli\" create \(image)); "
      + "\"$cli\" cp \"$id:/k8s-vgpu/lib/nvidia/.\" \(out)/lib; \"$cli\" rm \"$id\" >/dev/null; fi; "
      + "lib=$(ls \(out)/lib/libvgpu.so* | head -n 1); [ -n \"$lib\" ] || { echo 'no libvgpu.so in the image' >&2; exit 1; }; "
      + "cat \"$lib\" > \(staged); echo \"libvgpu.so extracted from \(settings.image) with $cli: ${lib##*/}\""
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = HAMiCoreWorkspace(directory: ctx.placeholder("dir"))
    var commands = [Self.makeDirectory]
    commands += Self.probes.map { RemoteCommand("cat > \(workspace.file($0 + ".cu"))") }
    switch settings.librarySource {
    case .image: commands.append(RemoteCommand(Self.extraction(settings, workspace)))
    case .host(let path):
      commands.append(RemoteCommand("cat \(ShellQuote.quote(path)) > \(workspace.library)"))
    case .local(let file): commands.append(RemoteCommand("upload \(file.path) to \(workspace.library)"))
    }
    commands += Self.build(settings, workspace, nvcc: "<nvcc>")
    return commands
  }
}
