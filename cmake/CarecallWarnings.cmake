# Warnings and sanitizers as interface targets, linked privately (never global flags).
add_library(carecall_warnings INTERFACE)
target_compile_options(carecall_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
    $<$<BOOL:${CARECALL_WERROR}>:-Werror>)

add_library(carecall_sanitizers INTERFACE)
if(CARECALL_SANITIZERS)
    list(JOIN CARECALL_SANITIZERS "," _carecall_san)
    target_compile_options(carecall_sanitizers INTERFACE
        -fsanitize=${_carecall_san} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(carecall_sanitizers INTERFACE -fsanitize=${_carecall_san})
endif()
