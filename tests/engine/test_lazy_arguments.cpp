// The `%lazy` line splitter (kernel/lazy_arguments.*). Its agreement with Python's
// shlex.split on any input is checked by fuzz/lazy_arguments_fuzzer.cpp; these are the rules.
#include <gtest/gtest.h>

#include "lazy_arguments.hpp"

using words = std::vector<std::string>;

TEST(lazy_arguments, blanks_separate_words_and_never_make_empty_ones)
{
    EXPECT_EQ(xlazy::split_lazy_arguments(" exclude\ta \r\n b  ").words, (words{"exclude", "a", "b"}));
    EXPECT_EQ(xlazy::split_lazy_arguments("").words, words{});
}

TEST(lazy_arguments, quotes_group_and_an_empty_pair_is_a_word)
{
    EXPECT_EQ(xlazy::split_lazy_arguments(R"(exclude "a b"'c d' '')").words, (words{"exclude", "a bc d", ""}));
}

TEST(lazy_arguments, a_backslash_escapes_anything_outside_quotes_and_only_quote_or_backslash_inside_double_quotes)
{
    EXPECT_EQ(xlazy::split_lazy_arguments(R"(a\ b "c\"d\e\\" 'f\g')").words, (words{"a b", R"(c"d\e\)", R"(f\g)"}));
}

TEST(lazy_arguments, an_unclosed_quote_or_a_final_backslash_is_a_problem_not_words)
{
    const auto unclosed = xlazy::split_lazy_arguments("status 'unclosed");
    EXPECT_EQ(unclosed.problem, "No closing quotation");
    EXPECT_TRUE(unclosed.words.empty());
    EXPECT_EQ(xlazy::split_lazy_arguments(R"(include mod\)").problem, "No escaped character");
    EXPECT_EQ(xlazy::split_lazy_arguments(R"(include "mod\)").problem, "No escaped character");
}
