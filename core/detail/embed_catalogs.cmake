# SPDX-License-Identifier: Apache-2.0
# Writes OUTPUT, a .cpp defining one function per default catalog that returns the
# YAML file's text as a raw string literal. Run by the build (core/CMakeLists.txt)
# whenever one of the YAML files changes:
#   cmake -DOUTPUT=out.cpp -DREGIONS=a.yaml -DGROUPS=b.yaml -DTAXONOMY=c.yaml -P embed_catalogs.cmake
set(delimiter "vigia_yaml")
set(out "// Generated from the default catalogs by core/detail/embed_catalogs.cmake; do not edit.\n")
string(APPEND out "#include \"core/detail/default_catalogs.h\"\n\nnamespace vigia::detail {\n")
foreach(pair "DefaultRegionsYaml;${REGIONS}" "DefaultGroupsYaml;${GROUPS}" "DefaultTaxonomyYaml;${TAXONOMY}")
  list(GET pair 0 function)
  list(GET pair 1 file)
  file(READ "${file}" text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains the raw-string delimiter )${delimiter}\"")
  endif()
  string(APPEND out "\nstd::string_view ${function}() {\n  return R\"${delimiter}(${text})${delimiter}\";\n}\n")
endforeach()
string(APPEND out "\n}  // namespace vigia::detail\n")
file(WRITE "${OUTPUT}" "${out}")
