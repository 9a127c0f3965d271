#include "registry.hpp"

#include "full_collections.hpp"

namespace py = pybind11;

namespace xlazy
{
    std::string to_string(import_state state)
    {
        switch (state)
        {
        case import_state::pending:
            return "pending";
        case import_state::resolved:
            return "resolved";
        case import_state::failed:
            return "failed";
        case import_state::dropped:
            return "dropped";
        case import_state::eager:
            return "eager";
        }
        return "unknown";
    }

    registry::registry(py::dict user_ns) : m_user_ns(std::move(user_ns)) {}

    int registry::add_pending(deferred_import entry)
    {
        entry.id = static_cast<int>(m_entries.size());
        entry.state = import_state::pending;
        entry.declared_at = std::chrono::system_clock::now();
        m_entries.push_back(std::move(entry));
        return m_entries.back().id;
    }

    void registry::add_eager(deferred_import entry, std::string reason)
    {
        entry.id = static_cast<int>(m_entries.size());
        entry.state = import_state::eager;
        entry.reason = std::move(reason);
        entry.declared_at = std::chrono::system_clock::now();
        m_entries.push_back(std::move(entry));
    }

    std::string registry::use_trigger() const
    {
        return m_use_trigger.empty() ? "first use in cell [" + std::to_string(current_cell) + "]"
                                     : m_use_trigger;
    }

    namespace
    {
        // An interrupt in the middle of a package's import leaves, as under any Python, the
        // submodules that finished while the package itself failed and was forgotten; the
        // next import would run the package again on top of them, half against the old run
        // (pandas then raises AttributeError until a restart). Everything the interrupted
        // resolve added under a module that is no longer imported goes too, so the next use
        // imports cleanly. What finished whole (numpy under pandas) stays: numpy, for one,
        // warns when it is imported a second time.
        void forget_orphans_of_interrupted_imports(const py::set& modules_before)
        {
            py::dict modules = py::module_::import("sys").attr("modules");
            std::vector<std::string> orphans;
            for (auto item : modules)
            {
                if (modules_before.contains(item.first) || !py::isinstance<py::str>(item.first))
                {
                    continue;
                }
                const std::string name = py::str(item.first);
                for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1))
                {
                    if (!modules.contains(name.substr(0, dot)))
                    {
                        orphans.push_back(name);
                        break;
                    }
                }
            }
            for (const auto& name : orphans)
            {
                PyDict_DelItemString(modules.ptr(), name.c_str());
            }
        }

        // Some extension modules turn an interrupt into their own error (numpy: "Unable to
        // configure default ndarray.__str__"); the interrupt is still in its context.
        bool caused_by_interrupt(const py::error_already_set& error)
        {
            py::object raised = error.value();
            for (int depth = 0; depth < 64 && !raised.is_none(); ++depth)
            {
                if (PyErr_GivenExceptionMatches(raised.ptr(), PyExc_KeyboardInterrupt))
                {
                    return true;
                }
                raised = raised.attr("__context__");
            }
            return false;
        }

        // Copied in C, and compared without making a string of every loaded module: a
        // notebook has a thousand modules. One per import run, for both what it loaded and
        // what an interrupt left of it.
        py::set loaded_module_names()
        {
            return py::set(py::module_::import("sys").attr("modules"));
        }

        // Waits for another thread's resolve of the same import without holding the GIL,
        // which that thread needs to finish.
        std::unique_lock<std::recursive_mutex> lock_releasing_gil(std::recursive_mutex& mutex)
        {
            std::unique_lock<std::recursive_mutex> lock(mutex, std::try_to_lock);
            if (!lock.owns_lock())
            {
                py::gil_scoped_release release;
                lock.lock();
            }
            return lock;
        }
    }

    void registry::run_binding(deferred_import& entry, py::object& value)
    {
        // Running the user's own statement, one name at a time, keeps every detail of
        // Python's import semantics and error messages without re-implementing them.
        py::dict scratch;
        scratch["__builtins__"] = py::module_::import("builtins");
        scratch["__name__"] = "__main__";
        // The file name is what the traceback shows for this frame.
        const std::string origin = "<deferred import from cell [" + std::to_string(entry.cell) + "], line " +
                                   std::to_string(entry.line) + ">";
        py::object compile = py::module_::import("builtins").attr("compile");
        py::module_::import("builtins").attr("exec")(compile(entry.binding, origin, "exec"), scratch);
        value = scratch[py::str(entry.name)];
    }

    py::object registry::resolve(const std::vector<int>& ids, const std::string& trigger)
    {
        py::object value;
        for (int id : ids)
        {
            // Entries may be appended while this one runs: index, never hold a reference.
            auto mutex = m_entries.at(static_cast<std::size_t>(id)).lock;
            auto lock = lock_releasing_gil(*mutex);
            {
                const deferred_import& entry = m_entries.at(static_cast<std::size_t>(id));
                if (entry.state == import_state::resolved || entry.resolving)
                {
                    // Another thread won, or this import is already running further up.
                    value = entry.state == import_state::resolved ? entry.value : entry.stand_in;
                    continue;
                }
            }
            struct running
            {
                registry& owner;
                int id;
                ~running() { owner.m_entries.at(static_cast<std::size_t>(id)).resolving = false; }
            } mark{*this, id};
            m_entries.at(static_cast<std::size_t>(id)).resolving = true;
            const auto before = loaded_module_names();
            const auto started = std::chrono::steady_clock::now();
            try
            {
                full_collections_postponed collections;
                run_binding(m_entries.at(static_cast<std::size_t>(id)), value);
            }
            catch (py::error_already_set& error)
            {
                if (caused_by_interrupt(error))
                {
                    forget_orphans_of_interrupted_imports(before);
                }
                deferred_import& entry = m_entries.at(static_cast<std::size_t>(id));
                entry.state = import_state::failed;
                entry.reason = py::str(error.type().attr("__name__")).cast<std::string>() + ": " +
                               py::str(error.value()).cast<std::string>();
                py::object exception = error.value();
                if (py::hasattr(exception, "add_note"))
                {
                    exception.attr("add_note")(
                        "xlazy: raised while importing '" + entry.module + "' for `" +
                        entry.statement + "` (cell [" + std::to_string(entry.cell) + "], line " +
                        std::to_string(entry.line) + "), deferred until " + trigger +
                        " needed it. The name stays pending: fix the cause and use it again, "
                        "or run `%lazy resolve " + entry.name + "`.");
                }
                throw;
            }
            const auto finished = std::chrono::steady_clock::now();
            deferred_import& entry = m_entries.at(static_cast<std::size_t>(id));
            entry.value = value;
            entry.resolve_ms = std::chrono::duration<double, std::milli>(finished - started).count();
            entry.resolved_at = std::chrono::system_clock::now();
            entry.resolved_by = trigger;
            entry.state = import_state::resolved;
            entry.reason.clear();
            entry.modules_loaded.clear();
            for (auto loaded : py::module_::import("sys").attr("modules").cast<py::dict>())
            {
                if (!before.contains(loaded.first))
                {
                    entry.modules_loaded.push_back(py::str(loaded.first));
                }
            }
        }
        // Rebind only a name that still holds the stand-in: a name the user rebound in the
        // meantime is theirs. A pending module usually is the value and stays.
        const deferred_import& last = m_entries.at(static_cast<std::size_t>(ids.back()));
        py::str name(last.name);
        if (value && m_user_ns.contains(name) && py::object(m_user_ns[name]).is(last.stand_in) &&
            !value.is(last.stand_in))
        {
            m_user_ns[name] = value;
        }
        return value;
    }

    void registry::mark_resolved(int id, double milliseconds, const std::string& trigger, const std::string& module)
    {
        deferred_import& entry = m_entries.at(static_cast<std::size_t>(id));
        entry.state = import_state::resolved;
        entry.reason.clear();
        entry.value = entry.stand_in;
        entry.resolve_ms = milliseconds;
        entry.resolved_at = std::chrono::system_clock::now();
        entry.resolved_by = trigger;
        entry.modules_loaded = {module};
    }

    void registry::mark_dropped(int id, std::string reason)
    {
        deferred_import& entry = m_entries.at(static_cast<std::size_t>(id));
        entry.state = import_state::dropped;
        entry.reason = std::move(reason);
        entry.stand_in = py::object();
    }

    void registry::drop_unbound(int cell)
    {
        for (auto& entry : m_entries)
        {
            if (entry.state != import_state::pending && entry.state != import_state::failed)
            {
                continue;
            }
            py::str name(entry.name);
            if (!m_user_ns.contains(name))
            {
                mark_dropped(entry.id, "deleted in cell [" + std::to_string(cell) + "]");
            }
            else if (!py::object(m_user_ns[name]).is(entry.stand_in))
            {
                mark_dropped(entry.id, "rebound in cell [" + std::to_string(cell) + "]");
            }
        }
    }

    void registry::clear()
    {
        for (int id : pending_ids())
        {
            mark_dropped(id, "cleared by %reset");
        }
        m_first_listed = m_entries.size();
    }

    std::vector<const deferred_import*> registry::listed() const
    {
        std::vector<const deferred_import*> shown;
        for (std::size_t i = m_first_listed; i < m_entries.size(); ++i)
        {
            shown.push_back(&m_entries[i]);
        }
        return shown;
    }

    void registry::set_stand_in(int id, py::object stand_in)
    {
        m_entries.at(static_cast<std::size_t>(id)).stand_in = std::move(stand_in);
    }

    std::vector<int> registry::pending_ids() const
    {
        std::vector<int> ids;
        for (const auto& entry : m_entries)
        {
            if (entry.state == import_state::pending || entry.state == import_state::failed)
            {
                ids.push_back(entry.id);
            }
        }
        return ids;
    }
}
