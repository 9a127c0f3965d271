#include "placeholder.hpp"

#include <string_view>

#include "display_probe.hpp"
#include "registry.hpp"

namespace py = pybind11;

// Written against the CPython C API rather than pybind11: every protocol slot must forward,
// and special-method lookup bypasses __getattr__, so the type is declared slot by slot.
namespace xlazy
{
    namespace
    {
        struct placeholder_object
        {
            PyObject_HEAD
            registry* owner;
            std::vector<int>* ids;
            PyObject* resolved; // owned; set once the import ran
        };

        placeholder_object* as_placeholder(PyObject* self)
        {
            return reinterpret_cast<placeholder_object*>(self);
        }

        PyObject* resolve_with(PyObject* self, const std::string& trigger)
        {
            placeholder_object* placeholder = as_placeholder(self);
            if (placeholder->resolved == nullptr)
            {
                try
                {
                    py::object value = placeholder->owner->resolve(*placeholder->ids, trigger);
                    if (value.is(py::handle(self)))
                    {
                        // Its own import statement is running further up this thread's stack.
                        PyErr_SetString(PyExc_ImportError, "cannot use a from-import while it is being imported");
                        return nullptr;
                    }
                    // Another thread may have finished first while this one waited for the
                    // import (the GIL is released meanwhile): the object is the same.
                    if (placeholder->resolved == nullptr)
                    {
                        placeholder->resolved = value.release().ptr();
                    }
                }
                catch (py::error_already_set& error)
                {
                    error.restore();
                    return nullptr;
                }
                catch (const std::exception& error)
                {
                    PyErr_SetString(PyExc_RuntimeError, error.what());
                    return nullptr;
                }
            }
            Py_INCREF(placeholder->resolved);
            return placeholder->resolved;
        }

        PyObject* type_object();

        // The real object behind `object` (a new reference), resolving it if it is a
        // placeholder; other objects are returned as they are.
        PyObject* real(PyObject* object)
        {
            if (Py_TYPE(object) == reinterpret_cast<PyTypeObject*>(type_object()))
            {
                return resolve_with(object, as_placeholder(object)->owner->use_trigger());
            }
            Py_INCREF(object);
            return object;
        }

        // RAII holder for the new references `real` returns.
        struct resolved_ref
        {
            explicit resolved_ref(PyObject* object) : ptr(real(object)) {}
            ~resolved_ref() { Py_XDECREF(ptr); }
            resolved_ref(const resolved_ref&) = delete;
            resolved_ref& operator=(const resolved_ref&) = delete;
            explicit operator bool() const { return ptr != nullptr; }
            PyObject* ptr;
        };

        template <PyObject* (*operation)(PyObject*)>
        PyObject* unary(PyObject* self)
        {
            resolved_ref target(self);
            return target ? operation(target.ptr) : nullptr;
        }

        template <PyObject* (*operation)(PyObject*, PyObject*)>
        PyObject* binary(PyObject* left, PyObject* right)
        {
            resolved_ref a(left);
            if (!a)
            {
                return nullptr;
            }
            resolved_ref b(right);
            return b ? operation(a.ptr, b.ptr) : nullptr;
        }

        template <PyObject* (*operation)(PyObject*, PyObject*, PyObject*)>
        PyObject* ternary(PyObject* base, PyObject* exponent, PyObject* modulus)
        {
            resolved_ref a(base);
            if (!a)
            {
                return nullptr;
            }
            resolved_ref b(exponent);
            if (!b)
            {
                return nullptr;
            }
            resolved_ref c(modulus);
            return c ? operation(a.ptr, b.ptr, c.ptr) : nullptr;
        }

        template <class Result, Result (*operation)(PyObject*), Result failure>
        Result unary_value(PyObject* self)
        {
            resolved_ref target(self);
            return target ? operation(target.ptr) : failure;
        }

        PyObject* call_builtin(const char* module, const char* function, PyObject* self, PyObject* extra = nullptr)
        {
            resolved_ref target(self);
            if (!target)
            {
                return nullptr;
            }
            try
            {
                py::object callable = py::module_::import(module).attr(function);
                py::handle argument(target.ptr);
                py::object result = extra ? callable(argument, *py::reinterpret_borrow<py::tuple>(extra))
                                          : callable(argument);
                return result.release().ptr();
            }
            catch (py::error_already_set& error)
            {
                error.restore();
                return nullptr;
            }
        }

        // isinstance() and type checks in libraries read __class__; like type(), it names
        // the placeholder's own type until the import has run.
        bool is_class_probe(std::string_view name)
        {
            return name == "__class__";
        }

        PyObject* get_attribute(PyObject* self, PyObject* name)
        {
            if (PyUnicode_Check(name))
            {
                Py_ssize_t size = 0;
                const char* text = PyUnicode_AsUTF8AndSize(name, &size);
                const std::string_view attribute(text ? text : "", text ? static_cast<std::size_t>(size) : 0);
                // Python asks a class statement's bases for this with getattr: answering it
                // ourselves gives the class the real base (see mro_entries).
                if (attribute == "__mro_entries__")
                {
                    return PyObject_GenericGetAttr(self, name);
                }
                const bool pending = as_placeholder(self)->resolved == nullptr;
                if (pending && is_class_probe(attribute))
                {
                    Py_INCREF(Py_TYPE(self));
                    return reinterpret_cast<PyObject*>(Py_TYPE(self));
                }
                if (pending && is_display_probe(attribute))
                {
                    PyErr_SetObject(PyExc_AttributeError, name);
                    return nullptr;
                }
            }
            resolved_ref target(self);
            return target ? PyObject_GetAttr(target.ptr, name) : nullptr;
        }

        int set_attribute(PyObject* self, PyObject* name, PyObject* value)
        {
            resolved_ref target(self);
            return target ? PyObject_SetAttr(target.ptr, name, value) : -1;
        }

        PyObject* call(PyObject* self, PyObject* args, PyObject* kwargs)
        {
            resolved_ref target(self);
            return target ? PyObject_Call(target.ptr, args, kwargs) : nullptr;
        }

        PyObject* repr(PyObject* self)
        {
            placeholder_object* placeholder = as_placeholder(self);
            if (placeholder->resolved != nullptr)
            {
                return PyObject_Repr(placeholder->resolved);
            }
            try
            {
                const deferred_import& entry = placeholder->owner->entry(placeholder->ids->back());
                std::string text = "<pending import of '" + entry.module + "' from cell [" +
                                   std::to_string(entry.cell) + "]>";
                return PyUnicode_FromString(text.c_str());
            }
            catch (const std::exception&)
            {
                return PyUnicode_FromString("<pending import>");
            }
        }

        PyObject* rich_compare(PyObject* self, PyObject* other, int op)
        {
            resolved_ref a(self);
            if (!a)
            {
                return nullptr;
            }
            resolved_ref b(other);
            return b ? PyObject_RichCompare(a.ptr, b.ptr, op) : nullptr;
        }

        int set_item(PyObject* self, PyObject* key, PyObject* value)
        {
            resolved_ref target(self);
            if (!target)
            {
                return -1;
            }
            return value ? PyObject_SetItem(target.ptr, key, value) : PyObject_DelItem(target.ptr, key);
        }

        int contains(PyObject* self, PyObject* item)
        {
            resolved_ref target(self);
            return target ? PySequence_Contains(target.ptr, item) : -1;
        }

        // isinstance(x, Pending) and issubclass(C, Pending) ask the placeholder (the second
        // argument) through its type; the check itself runs against the real class.
        template <int (*check)(PyObject*, PyObject*)>
        PyObject* class_check(PyObject* self, PyObject* candidate)
        {
            resolved_ref target(self);
            if (!target)
            {
                return nullptr;
            }
            int result = check(candidate, target.ptr);
            return result < 0 ? nullptr : PyBool_FromLong(result);
        }

        // `class Frame(DataFrame)` with DataFrame pending: the class gets the real base.
        PyObject* mro_entries(PyObject* self, PyObject*)
        {
            resolved_ref target(self);
            return target ? PyTuple_Pack(1, target.ptr) : nullptr;
        }

        PyObject* dir(PyObject* self, PyObject*) { return unary<PyObject_Dir>(self); }

        PyObject* call_method(PyObject* self, const char* method, PyObject* args)
        {
            resolved_ref target(self);
            if (!target)
            {
                return nullptr;
            }
            PyObject* bound = PyObject_GetAttrString(target.ptr, method);
            if (bound == nullptr)
            {
                return nullptr;
            }
            PyObject* result = PyObject_Call(bound, args, nullptr);
            Py_DECREF(bound);
            return result;
        }

        PyObject* enter(PyObject* self, PyObject* args) { return call_method(self, "__enter__", args); }
        PyObject* exit(PyObject* self, PyObject* args) { return call_method(self, "__exit__", args); }
        PyObject* format(PyObject* self, PyObject* spec) { return binary<PyObject_Format>(self, spec); }
        PyObject* reversed(PyObject* self, PyObject*) { return call_builtin("builtins", "reversed", self); }
        PyObject* round(PyObject* self, PyObject* args) { return call_builtin("builtins", "round", self, args); }
        PyObject* floor(PyObject* self, PyObject*) { return call_builtin("math", "floor", self); }
        PyObject* ceil(PyObject* self, PyObject*) { return call_builtin("math", "ceil", self); }
        PyObject* trunc(PyObject* self, PyObject*) { return call_builtin("math", "trunc", self); }
        PyObject* fspath(PyObject* self, PyObject*) { return unary<PyOS_FSPath>(self); }

        PyMethodDef methods[] = {
            {"__instancecheck__", class_check<PyObject_IsInstance>, METH_O, nullptr},
            {"__subclasscheck__", class_check<PyObject_IsSubclass>, METH_O, nullptr},
            {"__mro_entries__", mro_entries, METH_O, nullptr},
            {"__dir__", dir, METH_NOARGS, nullptr},
            {"__enter__", enter, METH_VARARGS, nullptr},
            {"__exit__", exit, METH_VARARGS, nullptr},
            {"__format__", format, METH_O, nullptr},
            {"__reversed__", reversed, METH_NOARGS, nullptr},
            {"__round__", round, METH_VARARGS, nullptr},
            {"__floor__", floor, METH_NOARGS, nullptr},
            {"__ceil__", ceil, METH_NOARGS, nullptr},
            {"__trunc__", trunc, METH_NOARGS, nullptr},
            {"__fspath__", fspath, METH_NOARGS, nullptr},
            {nullptr, nullptr, 0, nullptr},
        };

        void dealloc(PyObject* self)
        {
            placeholder_object* placeholder = as_placeholder(self);
            delete placeholder->ids;
            Py_XDECREF(placeholder->resolved);
            PyTypeObject* type = Py_TYPE(self);
            type->tp_free(self);
            Py_DECREF(type);
        }

        PyType_Slot slots[] = {
            {Py_tp_dealloc, reinterpret_cast<void*>(dealloc)},
            {Py_tp_getattro, reinterpret_cast<void*>(get_attribute)},
            {Py_tp_setattro, reinterpret_cast<void*>(set_attribute)},
            {Py_tp_call, reinterpret_cast<void*>(call)},
            {Py_tp_repr, reinterpret_cast<void*>(repr)},
            {Py_tp_str, reinterpret_cast<void*>(unary<PyObject_Str>)},
            {Py_tp_hash, reinterpret_cast<void*>(unary_value<Py_hash_t, PyObject_Hash, -1>)},
            {Py_tp_richcompare, reinterpret_cast<void*>(rich_compare)},
            {Py_tp_iter, reinterpret_cast<void*>(unary<PyObject_GetIter>)},
            {Py_tp_methods, methods},
            {Py_mp_length, reinterpret_cast<void*>(unary_value<Py_ssize_t, PyObject_Size, -1>)},
            {Py_mp_subscript, reinterpret_cast<void*>(binary<PyObject_GetItem>)},
            {Py_mp_ass_subscript, reinterpret_cast<void*>(set_item)},
            {Py_sq_contains, reinterpret_cast<void*>(contains)},
            {Py_nb_bool, reinterpret_cast<void*>(unary_value<int, PyObject_IsTrue, -1>)},
            {Py_nb_index, reinterpret_cast<void*>(unary<PyNumber_Index>)},
            {Py_nb_int, reinterpret_cast<void*>(unary<PyNumber_Long>)},
            {Py_nb_float, reinterpret_cast<void*>(unary<PyNumber_Float>)},
            {Py_nb_negative, reinterpret_cast<void*>(unary<PyNumber_Negative>)},
            {Py_nb_positive, reinterpret_cast<void*>(unary<PyNumber_Positive>)},
            {Py_nb_absolute, reinterpret_cast<void*>(unary<PyNumber_Absolute>)},
            {Py_nb_invert, reinterpret_cast<void*>(unary<PyNumber_Invert>)},
            {Py_nb_add, reinterpret_cast<void*>(binary<PyNumber_Add>)},
            {Py_nb_subtract, reinterpret_cast<void*>(binary<PyNumber_Subtract>)},
            {Py_nb_multiply, reinterpret_cast<void*>(binary<PyNumber_Multiply>)},
            {Py_nb_matrix_multiply, reinterpret_cast<void*>(binary<PyNumber_MatrixMultiply>)},
            {Py_nb_true_divide, reinterpret_cast<void*>(binary<PyNumber_TrueDivide>)},
            {Py_nb_floor_divide, reinterpret_cast<void*>(binary<PyNumber_FloorDivide>)},
            {Py_nb_remainder, reinterpret_cast<void*>(binary<PyNumber_Remainder>)},
            {Py_nb_divmod, reinterpret_cast<void*>(binary<PyNumber_Divmod>)},
            {Py_nb_power, reinterpret_cast<void*>(ternary<PyNumber_Power>)},
            {Py_nb_lshift, reinterpret_cast<void*>(binary<PyNumber_Lshift>)},
            {Py_nb_rshift, reinterpret_cast<void*>(binary<PyNumber_Rshift>)},
            {Py_nb_and, reinterpret_cast<void*>(binary<PyNumber_And>)},
            {Py_nb_or, reinterpret_cast<void*>(binary<PyNumber_Or>)},
            {Py_nb_xor, reinterpret_cast<void*>(binary<PyNumber_Xor>)},
            {Py_nb_inplace_add, reinterpret_cast<void*>(binary<PyNumber_InPlaceAdd>)},
            {Py_nb_inplace_subtract, reinterpret_cast<void*>(binary<PyNumber_InPlaceSubtract>)},
            {Py_nb_inplace_multiply, reinterpret_cast<void*>(binary<PyNumber_InPlaceMultiply>)},
            {Py_nb_inplace_matrix_multiply, reinterpret_cast<void*>(binary<PyNumber_InPlaceMatrixMultiply>)},
            {Py_nb_inplace_true_divide, reinterpret_cast<void*>(binary<PyNumber_InPlaceTrueDivide>)},
            {Py_nb_inplace_floor_divide, reinterpret_cast<void*>(binary<PyNumber_InPlaceFloorDivide>)},
            {Py_nb_inplace_remainder, reinterpret_cast<void*>(binary<PyNumber_InPlaceRemainder>)},
            {Py_nb_inplace_power, reinterpret_cast<void*>(ternary<PyNumber_InPlacePower>)},
            {Py_nb_inplace_lshift, reinterpret_cast<void*>(binary<PyNumber_InPlaceLshift>)},
            {Py_nb_inplace_rshift, reinterpret_cast<void*>(binary<PyNumber_InPlaceRshift>)},
            {Py_nb_inplace_and, reinterpret_cast<void*>(binary<PyNumber_InPlaceAnd>)},
            {Py_nb_inplace_or, reinterpret_cast<void*>(binary<PyNumber_InPlaceOr>)},
            {Py_nb_inplace_xor, reinterpret_cast<void*>(binary<PyNumber_InPlaceXor>)},
            {0, nullptr},
        };

        PyType_Spec spec = {"xlazy.pending_import", sizeof(placeholder_object), 0, Py_TPFLAGS_DEFAULT, slots};

        PyObject* type_object()
        {
            // Created on first use, once per interpreter, and kept for its lifetime.
            static PyObject* type = PyType_FromSpec(&spec);
            return type;
        }
    }

    py::object make_placeholder(registry& owner, int id)
    {
        PyObject* type = type_object();
        if (type == nullptr)
        {
            throw py::error_already_set();
        }
        PyObject* object = PyType_GenericAlloc(reinterpret_cast<PyTypeObject*>(type), 0);
        if (object == nullptr)
        {
            throw py::error_already_set();
        }
        placeholder_object* placeholder = as_placeholder(object);
        placeholder->owner = &owner;
        placeholder->ids = new std::vector<int>{id};
        placeholder->resolved = nullptr;
        return py::reinterpret_steal<py::object>(object);
    }

    bool is_placeholder(py::handle object)
    {
        return Py_TYPE(object.ptr()) == reinterpret_cast<PyTypeObject*>(type_object());
    }

    std::vector<int> placeholder_ids(py::handle placeholder)
    {
        return *as_placeholder(placeholder.ptr())->ids;
    }

    py::object resolve_placeholder(py::handle placeholder, const std::string& trigger)
    {
        PyObject* value = resolve_with(placeholder.ptr(), trigger);
        if (value == nullptr)
        {
            throw py::error_already_set();
        }
        return py::reinterpret_steal<py::object>(value);
    }
}
