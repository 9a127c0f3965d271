#include <gtest/gtest.h>

#include "engine/lazy_mode.hpp"

using xlazy::lazy_mode;

TEST(lazy_mode, every_documented_name_parses_to_its_mode)
{
    EXPECT_EQ(xlazy::parse_lazy_mode("off"), lazy_mode::off);
    EXPECT_EQ(xlazy::parse_lazy_mode("cell"), lazy_mode::cell);
    EXPECT_EQ(xlazy::parse_lazy_mode("all"), lazy_mode::all);
}

TEST(lazy_mode, unknown_or_differently_cased_names_are_rejected)
{
    EXPECT_FALSE(xlazy::parse_lazy_mode("Cell"));
    EXPECT_FALSE(xlazy::parse_lazy_mode(""));
    EXPECT_FALSE(xlazy::parse_lazy_mode("lazy"));
}

TEST(lazy_mode, names_round_trip)
{
    for (lazy_mode mode : {lazy_mode::off, lazy_mode::cell, lazy_mode::all})
    {
        EXPECT_EQ(xlazy::parse_lazy_mode(xlazy::to_string(mode)), mode);
    }
}

TEST(lazy_mode, choices_list_every_mode_for_error_messages)
{
    EXPECT_EQ(xlazy::lazy_mode_choices(), "off|cell|all");
}
