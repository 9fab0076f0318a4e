# ctest install_layout: `cmake --install <build> --prefix <tmp>` produces the expected files, and
# the unit points at the installed binary. Run as
#   cmake -DBUILD_DIR=... -DPREFIX=... -P packaging/install_test.cmake
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}\n${err}")
endif()
set(expected
    bin/repay
    bin/repay-banksim
    lib/systemd/system/repay.service
    share/doc/repay/README.md
    share/doc/repay/settings.md
    share/doc/repay/repay.example.ini)
foreach(f ${expected})
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "missing after install: ${f}")
  endif()
endforeach()
file(READ "${PREFIX}/lib/systemd/system/repay.service" unit)
foreach(line
    "ExecStart=${PREFIX}/bin/repay serve --config /etc/repay/repay.ini"
    "KillSignal=SIGTERM"
    "TimeoutStopSec=45s"
    "NoNewPrivileges=yes"
    "ProtectSystem=strict")
  string(FIND "${unit}" "${line}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "repay.service lacks: ${line}")
  endif()
endforeach()
if(unit MATCHES "@BINDIR@|@DOCDIR@")
  message(FATAL_ERROR "repay.service has an unreplaced placeholder")
endif()
execute_process(COMMAND "${PREFIX}/bin/repay" --help RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "serve")
  message(FATAL_ERROR "the installed repay does not run: ${rc}")
endif()
file(REMOVE_RECURSE "${PREFIX}")
message(STATUS "install layout ok")
