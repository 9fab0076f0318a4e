// The end of the demo: a staff account for the console (made with `repay staff add`, as staff
// would) and where to log in.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "stack/demo.h"
#include "crypto/crypto.h"

namespace repay::stack {

Result<std::string> add_demo_staff(const Stack& stack, const std::string& login, const std::string& role) {
  const std::string password = crypto::random_token(16);
  const std::string file = stack.dir() + "/staff-" + login + ".pw";
  {
    std::ofstream out(file);
    out << password << "\n";
    if (!out) return make_error("IO", "cannot write the password file", "", file);
  }
  ::chmod(file.c_str(), 0600);
  const std::string cmd = self_dir() + "/repay staff add --config '" + stack.settings_file() +
                          "' --login " + login + " --role " + role + " --password-file '" + file +
                          "' > /dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) return make_error("IO", "repay staff add failed", "login", login);
  return password;
}

}  // namespace repay::stack
