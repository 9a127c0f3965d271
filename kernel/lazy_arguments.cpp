#include "lazy_arguments.hpp"

namespace xlazy
{
    namespace
    {
        bool is_blank(char c)
        {
            return c == ' ' || c == '\t' || c == '\r' || c == '\n';
        }
    }

    lazy_arguments split_lazy_arguments(const std::string& line)
    {
        lazy_arguments result;
        std::string word;
        bool in_word = false; // a quote pair alone makes a word, even an empty one
        char quote = '\0';
        for (std::size_t i = 0; i < line.size(); ++i)
        {
            const char c = line[i];
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }
                else
                {
                    word += c;
                }
            }
            else if (quote == '"')
            {
                if (c == '"')
                {
                    quote = '\0';
                }
                else if (c == '\\')
                {
                    if (++i == line.size())
                    {
                        return {{}, "No escaped character"};
                    }
                    if (line[i] != '"' && line[i] != '\\')
                    {
                        word += '\\';
                    }
                    word += line[i];
                }
                else
                {
                    word += c;
                }
            }
            else if (is_blank(c))
            {
                if (in_word)
                {
                    result.words.push_back(word);
                    word.clear();
                    in_word = false;
                }
            }
            else
            {
                in_word = true;
                if (c == '\'' || c == '"')
                {
                    quote = c;
                }
                else if (c == '\\')
                {
                    if (++i == line.size())
                    {
                        return {{}, "No escaped character"};
                    }
                    word += line[i];
                }
                else
                {
                    word += c;
                }
            }
        }
        if (quote != '\0')
        {
            return {{}, "No closing quotation"};
        }
        if (in_word)
        {
            result.words.push_back(word);
        }
        return result;
    }
}
