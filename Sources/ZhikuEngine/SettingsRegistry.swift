import Foundation
import ZhikuCore

/// The current ``AnswerSettings``, kept in `settings.json` in the data folder so a change survives a restart.
/// A missing file means the defaults; a malformed one stops the server with the path in the message.
public actor SettingsRegistry {
    private let file: URL
    public private(set) var answers: AnswerSettings

    public init(file: URL, defaults: AnswerSettings) throws {
        self.file = file
        guard let data = try? Data(contentsOf: file) else {
            answers = defaults
            return
        }
        do {
            answers = try ZhikuJSON.decoder.decode(AnswerSettings.self, from: data).validated()
        } catch let error as ZhikuError {
            throw ZhikuError(.invalidInput, "\(file.path): \(error.message)")
        } catch {
            throw ZhikuError(.invalidInput, "\(file.path) is not a valid settings file: \(error)")
        }
    }

    /// Checks and stores new settings; they apply to the next question.
    @discardableResult
    public func update(_ settings: AnswerSettings) throws -> AnswerSettings {
        let checked = try settings.validated()
        do {
            try ZhikuJSON.encoder.encode(checked).write(to: file, options: .atomic)
        } catch {
            throw ZhikuError(.storageFailed, "cannot write the settings file \(file.path): \(error.localizedDescription)")
        }
        answers = checked
        return checked
    }
}
