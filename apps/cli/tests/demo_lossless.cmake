# Runs `phantasm demo` on a lossless path, with JSON output, and checks the exit status and
# that every datagram was delivered both ways, exactly once and intact.
#   cmake -DPHANTASM=<path to phantasm> -P demo_lossless.cmake
execute_process(COMMAND ${PHANTASM} demo --loss 0 --jitter 0 --flows 3 --datagrams 50 --json
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "phantasm demo exited with ${status}\n${out}\n${err}")
endif()
foreach(dir client_to_server server_to_client)
  string(JSON sent GET "${out}" datagrams ${dir} sent)
  string(JSON delivered GET "${out}" datagrams ${dir} delivered)
  string(JSON unique GET "${out}" datagrams ${dir} unique)
  string(JSON corrupted GET "${out}" datagrams ${dir} corrupted)
  if(NOT sent EQUAL 150 OR NOT delivered EQUAL 150 OR NOT unique EQUAL 150 OR NOT corrupted EQUAL 0)
    message(FATAL_ERROR "${dir}: sent ${sent}, delivered ${delivered}, unique ${unique}, corrupted ${corrupted}\n${out}")
  endif()
endforeach()
string(JSON all GET "${out}" all_delivered)
if(NOT all)
  message(FATAL_ERROR "all_delivered is ${all}")
endif()
message(STATUS "phantasm demo: 150 datagrams delivered each way")
