META
key;value
description;The same budget with identical voters merged and weighted
unit;Bellevue
instance;2026-weighted
num_projects;4
num_votes;3
budget;1000
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name
1;600;Jardin partagé
2;400;Fontaine
3;400;Atelier vélo
4;150;Bancs
VOTES
voter_id;vote;weight
a;1,2,4;1
b;1,2;5
c;3;4
