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

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> HAMiCoreWorkspace { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> HAMiCoreWorkspace {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let nvcc = try ctx.output(of: HAMiCorePreflight()).nvcc
    let workspace = try await ProbeStaging.makeWorkspace(
      ctx, prefix: HAMiCoreCatalog.workDirectoryPrefix, as: HAMiCoreWorkspace.self)
    try await ProbeStaging.writeSources(ctx, files: files, into: workspace)
    try await stageLibrary(ctx, settings, workspace)
    try await ctx.capture(Self.build(settings, workspace, nvcc: nvcc), into: HAMiCoreCatalog.build)
    return workspace
  }

  /// Compiles the probes with `nvcc`, or copies the prebuilt ones of `probe_dir` (with their SHA-256).
  static func build(_ settings: HAMiCoreSettings, _ workspace: HAMiCoreWorkspace, nvcc: String)
    -> [RemoteCommand]
  {
    ProbeStaging.build(
      probeDirectory: settings.probeDirectory, nvccFlags: settings.nvccFlags, into: workspace.file, nvcc: nvcc
    )
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
    var commands = [ProbeStaging.makeDirectory(prefix: HAMiCoreCatalog.workDirectoryPrefix)]
    commands += ProbeStaging.planSources(workspace)
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
