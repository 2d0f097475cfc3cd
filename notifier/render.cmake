# SPDX-License-Identifier: Apache-2.0
# vigia_notifier_render: what receivers are sent (render.h). Pure functions over
# the alert JSON; time zones from the system's tzdata through Howard Hinnant's
# date library (Debian: libhowardhinnant-date-dev). Its date::date-tz target
# carries USE_OS_TZDB=1 (read /usr/share/zoneinfo, never download), so it is
# linked PRIVATE: render.h does not expose date/, and its definitions
# (ONLY_C_LOCALE, ...) stay out of other targets.
find_package(date 3 CONFIG REQUIRED)

add_library(vigia_notifier_render
  render.cpp
  render_text.cpp
  detail/text.cpp
)
target_link_libraries(vigia_notifier_render PUBLIC vigia_core Boost::json PRIVATE date::date-tz)

if(VIGIA_TESTS)
  vigia_add_test(render_test SOURCES render_test.cpp LIBS vigia_notifier_render)
endif()
