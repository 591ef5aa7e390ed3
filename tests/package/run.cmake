# Installs the built project into WORK_DIR/prefix, then configures, builds and runs
# examples/consumer against it with find_package(carecall).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
    message(FATAL_ERROR "install failed: ${rc}")
endif()
# The same generator and compiler as the project (a fresh machine may have ninja and no make).
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${WORK_DIR}/build
                        -G ${GENERATOR} -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}
                        -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "configuring the consumer failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "building the consumer failed: ${rc}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/carecall-consumer ${SOURCE_DIR}/examples/sunnyside.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message("${out}")
if(rc)
    message(FATAL_ERROR "the consumer failed: ${rc}")
endif()
if(NOT out MATCHES "residents: [1-9]")
    message(FATAL_ERROR "the consumer did not report the residents")
endif()
