import ArgumentParser
import Foundation
import MashDomain
import MashStore

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "A subject-access bundle for one child: every referral naming them, in full, as JSON.",
        discussion: """
            Each referral exported is recorded in the audit log (action export). Writes to
            --output, or to stdout.
            Examples:
              mashctl export --nhs 9434765919 --output sar-2026-11.json
              mashctl export --child 0b5c2a4e-8f1d-4c3e-9a77-2f6d1e0c9b41
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var selection: ChildSelection
    @Option(help: "The file to write (default: stdout).") var output: String?

    func run() async throws {
        let files = try await connection.withStore { store in
            var files: [Record] = []
            for referral in try await selection.chronology(store) {
                guard let file = try await store.referralFile(id: referral.id, recordedAs: .export, via: "export") else { continue }
                files.append(ShowCommand.record(file, explanation: nil))
            }
            return files
        }
        let bundle = RecordPrinter.json(Record([
            ("child", .record(Record([("nhsNumber", FieldValue(selection.nhs?.description)), ("namedIn", FieldValue(selection.child))]))),
            ("exportedAt", .time(Date())), ("referrals", .list(files)),
        ])) + "\n"
        guard let output else {
            print(bundle, terminator: "")
            return
        }
        do {
            try Data(bundle.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CommandFailure("cannot write \(output): \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("wrote \(files.count) referral\(files.count == 1 ? "" : "s") to \(output)\n".utf8))
    }
}
