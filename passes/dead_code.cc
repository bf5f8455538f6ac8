#include "passes/dead_code.h"

#include "ir/visitor.h"

namespace ttc {
namespace {

using namespace ir;

class FreeVarCollector : public StmtVisitor {
 public:
  std::set<std::string> free;

 protected:
  void VisitVar(const Var& v) override {
    if (!bound_.count(v.name)) free.insert(v.name);
  }
  void VisitFor(const For& n) override {
    VisitExpr(n.min);
    VisitExpr(n.extent);
    Bind(n.var, n.body);
  }
  void VisitLet(const Let& n) override {
    VisitExpr(n.value);
    Bind(n.var, n.body);
  }

 private:
  void Bind(const std::string& var, const Stmt& body) {
    bound_.insert(var);
    VisitStmt(body);
    bound_.erase(bound_.find(var));
  }
  std::multiset<std::string> bound_;
};

class LetRemover : public StmtMutator {
 protected:
  Stmt MutateLet(const Let& n, const Stmt& self) override {
    Stmt body = MutateStmt(n.body);
    if (!FreeVars(body).count(n.var)) return body;
    if (body == n.body) return self;
    auto r = std::make_shared<Let>(n);
    r->body = body;
    return r;
  }
};

}  // namespace

std::set<std::string> FreeVars(const Stmt& s) {
  FreeVarCollector c;
  c.VisitStmt(s);
  return c.free;
}

Stmt RemoveUnusedLets(const Stmt& s) { return LetRemover().MutateStmt(s); }

}  // namespace ttc
