import Foundation
import PackagePlugin

/// Compiles labs/ into the Labs module as Swift source (`BuiltInLabs.encoded`), so the labrun
/// executable alone carries its labs.
///
/// Why a build-tool plugin and not a committed generated file: labs/ stays the only copy of
/// each lab. The command declares every file under labs/ as an input, so SwiftPM reruns it
/// when one changes (and only then) and a build can never ship labs older than the checkout;
/// a committed copy would need a regeneration step, a test to catch a forgotten one, and
/// would show every lab change twice in review. It runs `/bin/sh` with base64, so it adds
/// nothing to compile. SwiftPM resources are no alternative: on Linux they are a
/// `*.resources` directory beside the binary, not part of it.
@main
struct EmbedLabs: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let package = context.package.directoryURL
    let labs = package.appending(path: "labs")
    let script = package.appending(path: "scripts/embed-labs.sh")
    let output = context.pluginWorkDirectoryURL.appending(path: "BuiltInLabFiles.swift")
    var inputs = [script]
    if let files = FileManager.default.enumerator(at: labs, includingPropertiesForKeys: [.isRegularFileKey]) {
      for case let file as URL in files
      where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
        inputs.append(file)
      }
    }
    return [
      .buildCommand(
        displayName: "Embedding labs/ into labrun",
        executable: URL(fileURLWithPath: "/bin/sh"),
        arguments: [script.path, labs.path, output.path],
        inputFiles: inputs,
        outputFiles: [output])
    ]
  }
}
