#pragma once
/// Errors carry the exit code of docs/cli.md and a stable code name for JSON.

#include <stdexcept>
#include <string>

namespace carecall {

enum class ExitCode : int {
    ok = 0,
    internal = 1,
    usage = 2,
    conflict = 3,
    not_found = 4,
    corrupt = 5,
    invalid_input = 65,
    no_input = 66,
    io = 74,
    busy = 75,
    permission = 77,
    config = 78,
    interrupted = 130,
};

/// Base of every error the library throws on purpose.
class Error : public std::runtime_error {
public:
    Error(ExitCode code, std::string code_name, const std::string& message)
        : std::runtime_error(message), m_exit(code), m_code_name(std::move(code_name)) {}
    [[nodiscard]] ExitCode exit_code() const noexcept { return m_exit; }
    /// Stable machine-readable name, e.g. "invalid_input", "not_found".
    [[nodiscard]] const std::string& code_name() const noexcept { return m_code_name; }

private:
    ExitCode m_exit;
    std::string m_code_name;
};

/// Bad input data: a field (a name or JSON path such as `requests[3].duration_minutes`) and
/// what is wrong with its value. what() is "<field>: <reason>".
class InvalidInput : public Error {
public:
    InvalidInput(std::string field, std::string reason)
        : Error(ExitCode::invalid_input, "invalid_input",
                field.empty() ? reason : field + ": " + reason),
          m_field(std::move(field)), m_reason(std::move(reason)) {}
    [[nodiscard]] const std::string& field() const noexcept { return m_field; }
    [[nodiscard]] const std::string& reason() const noexcept { return m_reason; }
    /// The same error with `prefix` put in front of the field ("residents[2]." + "ward").
    [[nodiscard]] InvalidInput prefixed(const std::string& prefix) const {
        return InvalidInput(prefix + m_field, m_reason);
    }

private:
    std::string m_field;
    std::string m_reason;
};

class NotFound : public Error {
public:
    explicit NotFound(const std::string& message)
        : Error(ExitCode::not_found, "not_found", message) {}
    /// "resident R-0042 not found"
    static NotFound record(const std::string& kind, const std::string& code) {
        return NotFound(kind + " " + code + " not found");
    }
};

/// A change that breaks a rule (a duplicate code, a record still in use, a booking clash).
class Conflict : public Error {
public:
    explicit Conflict(const std::string& message, std::string rule = "conflict")
        : Error(ExitCode::conflict, "conflict", message), m_rule(std::move(rule)) {}
    [[nodiscard]] const std::string& rule() const noexcept { return m_rule; }

private:
    std::string m_rule;
};

/// A failure of the storage layer; carries SQLite's extended result code where there is one.
class StorageError : public Error {
public:
    StorageError(ExitCode code, std::string code_name, const std::string& message, int native = 0)
        : Error(code, std::move(code_name), message), m_native(native) {}
    [[nodiscard]] int native_code() const noexcept { return m_native; }

private:
    int m_native;
};

/// The file was written by a newer carecall: refused, file untouched.
class SchemaTooNew : public Error {
public:
    explicit SchemaTooNew(const std::string& message)
        : Error(ExitCode::config, "schema_too_new", message) {}
};

/// A usage error detected below the command line (e.g. a bad store URL).
class UsageError : public Error {
public:
    explicit UsageError(const std::string& message) : Error(ExitCode::usage, "usage", message) {}
};

} // namespace carecall
