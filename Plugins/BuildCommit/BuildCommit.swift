import Foundation
import PackagePlugin

/// Writes `BuildCommit.swift` (the commit labrun is built from, for `labrun --version`)
/// before every build of the target, with scripts/build-commit.sh: a prebuild command, because
/// a new commit changes no source file a build command could name as its input. The script
/// rewrites the file only when the commit (or the tree's modified state) changed.
@main
struct BuildCommit: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let package = context.package.directoryURL
    let environment = ProcessInfo.processInfo.environment
    var passed = ["PATH": environment["PATH"] ?? "/usr/bin:/bin"]
    passed["LABRUN_COMMIT"] = environment["LABRUN_COMMIT"]
    let output = context.pluginWorkDirectoryURL.appending(path: "generated")
    return [
      .prebuildCommand(
        displayName: "Recording the commit labrun is built from",
        executable: URL(fileURLWithPath: "/bin/sh"),
        arguments: [package.appending(path: "scripts/build-commit.sh").path, package.path, output.path],
        environment: passed,
        outputFilesDirectory: output)
    ]
  }
}
