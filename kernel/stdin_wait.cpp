#include "stdin_wait.hpp"

#include <pthread.h>

namespace xlazy
{
    stdin_wait::stdin_wait()
    {
        sigset_t interrupt;
        sigemptyset(&interrupt);
        sigaddset(&interrupt, SIGINT);
        pthread_sigmask(SIG_BLOCK, &interrupt, &m_previous_mask);
        if (Py_IsInitialized() && PyGILState_Check())
        {
            m_released = PyEval_SaveThread();
        }
    }

    stdin_wait::~stdin_wait()
    {
        if (m_released != nullptr)
        {
            PyEval_RestoreThread(m_released);
        }
        pthread_sigmask(SIG_SETMASK, &m_previous_mask, nullptr);
    }

    void raise_keyboard_interrupt()
    {
        PyErr_SetNone(PyExc_KeyboardInterrupt);
        throw pybind11::error_already_set();
    }
}
