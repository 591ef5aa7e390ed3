#include <cstdlib>

#include <doctest/doctest.h>

#include "store/store_fixture.hpp"

using namespace carecall;
using namespace carecall::test;

namespace {

/// Sets an environment variable for one scope.
class EnvGuard {
public:
    EnvGuard(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name)) {
            m_old = old;
        }
        ::setenv(name, value, 1);
    }
    ~EnvGuard() {
        if (m_old) {
            ::setenv(m_name, m_old->c_str(), 1);
        } else {
            ::unsetenv(m_name);
        }
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

} // namespace

TEST_SUITE("store") {
    TEST_CASE("a database readable by other users is opened with a warning (P1)") {
        TempDir dir;
        auto path = dir.path("home.db");
        {
            auto store = open_test_store("sqlite:" + path);
            CHECK(store->warnings().empty());
        }
        REQUIRE(::chmod(path.c_str(), 0644) == 0);
        auto store = open_test_store("sqlite:" + path);
        REQUIRE(store->warnings().size() == 1);
        CHECK(store->warnings()[0] ==
              path +
                  " can be read or changed by other users of this machine (mode 0644): run "
                  "chmod 600 " +
                  path);
    }

    TEST_CASE("on a network file system WAL is not used, with a warning") {
        TempDir dir;
        auto path = dir.path("home.db");
        {
            auto store = open_test_store("sqlite:" + path);
            CHECK(store->warnings().empty());
        }
        {
            RawDb raw(path);
            CHECK(raw.query_int("SELECT journal_mode = 'wal' FROM pragma_journal_mode") == 1);
        }
        EnvGuard nfs("CARECALL_ASSUME_NETWORK_FS", "1");
        {
            auto store = open_test_store("sqlite:" + path);
            REQUIRE(store->warnings().size() == 1);
            CHECK(store->warnings()[0] ==
                  path + " is on a network file system, where SQLite's write-ahead log does not "
                         "work: carecall uses a rollback journal there; for several computers "
                         "sharing one database use a server database");
            store->sites().add(make_site("S1"));
        }
        RawDb raw(path);
        CHECK(raw.query_int("SELECT journal_mode = 'delete' FROM pragma_journal_mode") == 1);
        CHECK(raw.query_int("SELECT count(*) FROM site") == 1);
    }
}
